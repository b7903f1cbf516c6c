/**
 * The in-memory nonce store on its own clock (the clock is a parameter so hours can pass in a test):
 * replays within the lifetime are caught, expired nonces make room, and a store full of live nonces
 * refuses new ones rather than forgetting a live one (which would let its replay through).
 */
import assert from 'node:assert/strict';
import { MemoryNonceStore } from '../../../src/security/ws-security/nonce-store.js';

describe('MemoryNonceStore', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('catches a replay until the nonce expires, then accepts it as new', () => {
    const s = new MemoryNonceStore(10, 1_000, clock);
    assert.equal(s.seen('n1', now + 300_000), 'new');
    assert.equal(s.seen('n1', now + 300_000), 'replay');
    now += 299_999;
    assert.equal(s.seen('n1', now + 300_000), 'replay');
    now += 2;
    assert.equal(s.seen('n1', now + 300_000), 'new');
  });

  it('is bounded: when full of live nonces it refuses new ones and still catches replays', () => {
    const s = new MemoryNonceStore(3, 1_000, clock);
    for (const n of ['a', 'b', 'c']) assert.equal(s.seen(n, now + 60_000), 'new');
    assert.equal(s.seen('d', now + 60_000), 'full');
    assert.equal(s.seen('a', now + 60_000), 'replay');
    assert.equal(s.size, 3);
  });

  it('makes room as nonces expire, whatever their order of expiry', () => {
    const s = new MemoryNonceStore(3, 1_000, clock);
    assert.equal(s.seen('long', now + 600_000), 'new');
    assert.equal(s.seen('short1', now + 10_000), 'new');
    assert.equal(s.seen('short2', now + 10_000), 'new');
    now += 20_000;
    assert.equal(s.seen('x', now + 10_000), 'new');
    assert.equal(s.seen('y', now + 10_000), 'new');
    assert.equal(s.seen('long', now + 600_000), 'replay');
    assert.equal(s.size, 3);
  });

  it('a flood of unique nonces costs a bounded amount of memory', () => {
    const s = new MemoryNonceStore(1_000, 1_000, clock);
    let full = 0;
    for (let i = 0; i < 50_000; i++) if (s.seen(`flood-${i}`, now + 300_000) === 'full') full++;
    assert.equal(s.size, 1_000);
    assert.equal(full, 49_000);
  });
});
