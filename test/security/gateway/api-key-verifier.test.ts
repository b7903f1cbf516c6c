/**
 * The API key cache: a looked-up key (valid or not) is answered from memory, synchronously, for the TTL;
 * then the store is asked again, which is how a revocation reaches a running node. A store that fails
 * refuses with 900900 and is logged once per outage, without the key.
 */
import assert from 'node:assert/strict';
import { memoryLoggerFactory } from '../../../src/logging/logger.js';
import { apiKeyHash, type ApiKeyRecord } from '../../../src/security/gateway/api-key-store.js';
import { ApiKeyVerifier, type ApiKeyOutcome } from '../../../src/security/gateway/api-key-verifier.js';

const KEY = 'mik_the-key-of-the-test';

class CountingStore {
  finds = 0;
  failing = false;
  revoked = false;
  async find(hash: string): Promise<ApiKeyRecord | undefined> {
    this.finds++;
    if (this.failing) throw new Error('connection refused');
    if (hash !== apiKeyHash(KEY)) return undefined;
    return { id: 'abc123', api: 'Keys', label: 'bot', createdAt: '', expiresAt: undefined, revokedAt: this.revoked ? '2030-01-01T00:00:00Z' : undefined };
  }
}

describe('API key verifier', () => {
  it('answers a cached key synchronously within the TTL and asks the store again after it', async () => {
    const store = new CountingStore();
    const v = new ApiKeyVerifier(store, { ttlSeconds: 1, maxEntries: 10 }, memoryLoggerFactory().get('t'));
    const first = v.check('Keys', KEY);
    assert.ok(first instanceof Promise);
    assert.deepEqual(await first, { label: 'bot', id: 'abc123' });
    const cached = v.check('Keys', KEY);
    assert.ok(!(cached instanceof Promise), 'a cached key is answered synchronously');
    assert.equal((v.check('Other', KEY) as ApiKeyOutcome).failed, true, 'a key opens its own API only');
    assert.equal(store.finds, 1);
    store.revoked = true;
    assert.equal((v.check('Keys', KEY) as ApiKeyOutcome).failed, undefined, 'the revocation is not seen before the TTL');
    await new Promise((r) => setTimeout(r, 1100));
    const after = await v.check('Keys', KEY);
    assert.equal(after.failed, true);
    assert.equal(store.finds, 2);
  });

  it('remembers unknown keys too, and bounds the cache', async () => {
    const store = new CountingStore();
    const v = new ApiKeyVerifier(store, { ttlSeconds: 60, maxEntries: 2 }, memoryLoggerFactory().get('t'));
    for (let i = 0; i < 3; i++) assert.equal((await v.check('Keys', 'wrong')).failed, true);
    assert.equal(store.finds, 1);
    await v.check('Keys', 'a');
    await v.check('Keys', 'b');
    await v.check('Keys', 'wrong');
    assert.equal(store.finds, 4, 'the oldest entry made room');
  });

  it('refuses with 900900 while the store fails, logging once without the key', async () => {
    const store = new CountingStore();
    store.failing = true;
    const logs = memoryLoggerFactory();
    const v = new ApiKeyVerifier(store, { ttlSeconds: 60, maxEntries: 10 }, logs.get('t'));
    for (let i = 0; i < 3; i++) assert.equal((await v.check('Keys', KEY) as { code?: number }).code, 900900);
    assert.equal(logs.lines.filter((l) => l.level === 'ERROR').length, 1);
    assert.match(logs.lines[0]!.message, /^MI_API_016  the API keys cannot be read \(connection refused\)/);
    assert.ok(!logs.lines.some((l) => l.message.includes(KEY)));
    store.failing = false;
    assert.deepEqual(await v.check('Keys', KEY), { label: 'bot', id: 'abc123' });
    assert.match(logs.lines.at(-1)!.message, /can be read again/);
  });
});
