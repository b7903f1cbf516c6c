/**
 * The database token store on each database: two stores on one database stand for two nodes, and must
 * see each other's tokens, uses, logouts and the one bound (least recently used first, or refusal).
 */
import assert from 'node:assert/strict';
import { DatabaseTokenStore } from '../../src/management/database-token-store.js';
import type { TokenStoreBounds } from '../../src/management/token-store.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { openDatabase } from '../../src/store/open-database.js';
import type { Database } from '../../src/store/database.js';
import { describeEachDatabase } from '../helpers/databases.js';

const HOUR = 3_600_000;

describeEachDatabase('management token store', (target) => {
  let db1: Database;
  let db2: Database;
  const logs = memoryLoggerFactory();
  const nodes = (bounds: TokenStoreBounds): [DatabaseTokenStore, DatabaseTokenStore] => [new DatabaseTokenStore(db1, bounds, logs.get('node1')), new DatabaseTokenStore(db2, bounds, logs.get('node2'))];

  before(async () => {
    // two connections (pools) to one database, as two processes would have
    db1 = await openDatabase(target().datasource);
    db2 = await openDatabase(target().datasource);
  });
  after(async () => {
    await db1?.close();
    await db2?.close();
  });
  beforeEach(async () => {
    await db1.db.deleteFrom('mi_management_tokens').execute();
  });

  it('a token added on one node is used on the other; a logout on either counts on both', async () => {
    const [a, b] = nodes({ capacity: 10, removeOldest: true });
    const now = Date.now();
    assert.equal(await a.add('t1', { user: 'Alice', isAdmin: true, expiresAt: now + HOUR }, now), true);
    assert.deepEqual(await b.use('t1', now + 1), { user: 'Alice', isAdmin: true, expiresAt: now + HOUR });
    assert.equal(await b.use('nope', now + 1), undefined);
    assert.equal(await b.remove('t1'), true);
    assert.equal(await a.use('t1', now + 2), undefined);
    assert.equal(await a.remove('t1'), false, 'already gone');
  });

  it('expired tokens are refused and cleared', async () => {
    const [a, b] = nodes({ capacity: 10, removeOldest: true });
    const now = Date.now();
    await a.add('old', { user: 'bob', isAdmin: false, expiresAt: now + 1000 }, now);
    assert.equal(await b.use('old', now + 1000), undefined, 'expires_at is exclusive');
    assert.equal(await a.size(), 0, 'an expired token found on use is deleted');
    await a.add('old2', { user: 'bob', isAdmin: false, expiresAt: now + 1000 }, now);
    await b.add('new', { user: 'bob', isAdmin: false, expiresAt: now + HOUR }, now + 2000);
    assert.equal(await a.size(), 1, 'an add clears the expired ones');
  });

  it('when full, the least recently used token goes, whichever node used it last', async () => {
    const [a, b] = nodes({ capacity: 2, removeOldest: true });
    const now = Date.now();
    await a.add('a', { user: 'u1', isAdmin: false, expiresAt: now + HOUR }, now);
    await b.add('b', { user: 'u2', isAdmin: false, expiresAt: now + HOUR }, now + 10);
    assert.ok(await b.use('a', now + 20), 'a is now the most recently used');
    assert.equal(await a.add('c', { user: 'u3', isAdmin: false, expiresAt: now + HOUR }, now + 30), true);
    assert.equal(await a.use('b', now + 40), undefined, 'b fell out');
    assert.ok(await b.use('a', now + 50));
    assert.ok(await b.use('c', now + 60));
    assert.equal(await a.size(), 2);
  });

  it('with remove_oldest_token_on_overflow = false a full store refuses the new token and keeps the old ones', async () => {
    const [a, b] = nodes({ capacity: 2, removeOldest: false });
    const now = Date.now();
    assert.equal(await a.add('a', { user: 'u1', isAdmin: false, expiresAt: now + HOUR }, now), true);
    assert.equal(await b.add('b', { user: 'u2', isAdmin: false, expiresAt: now + HOUR }, now), true);
    assert.equal(await a.add('c', { user: 'u3', isAdmin: false, expiresAt: now + HOUR }, now), false);
    assert.equal(await b.use('c', now), undefined);
    assert.ok(await b.use('a', now));
    assert.ok(await a.use('b', now));
  });

  it('logins on both nodes at once never leave more tokens than max_size', async () => {
    const [a, b] = nodes({ capacity: 5, removeOldest: true });
    const now = Date.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).add(`t${i}`, { user: 'u', isAdmin: false, expiresAt: now + HOUR }, now + i)));
    assert.ok((await a.size()) <= 5, `${await a.size()} tokens held`);
  });

  it("deleting a user removes every token of theirs, in any case, and no one else's", async () => {
    const [a, b] = nodes({ capacity: 10, removeOldest: true });
    const now = Date.now();
    await a.add('x1', { user: 'Carol', isAdmin: false, expiresAt: now + HOUR }, now);
    await b.add('x2', { user: 'carol', isAdmin: false, expiresAt: now + HOUR }, now);
    await b.add('y1', { user: 'dave', isAdmin: false, expiresAt: now + HOUR }, now);
    await b.removeUser('CAROL');
    assert.equal(await a.use('x1', now), undefined);
    assert.equal(await a.use('x2', now), undefined);
    assert.ok(await a.use('y1', now));
  });

  it('an unreachable database is MI_OPS_020 (503) on every call, logged once per outage', async () => {
    const lost = await openDatabase(target().datasource);
    const store = new DatabaseTokenStore(lost, { capacity: 10, removeOldest: true }, logs.get('lost'));
    await lost.close();
    logs.lines.length = 0;
    for (let i = 0; i < 3; i++) {
      await assert.rejects(store.use('t', Date.now()), (err: { code?: string; status?: number }) => err.code === 'MI_OPS_020' && err.status === 503);
    }
    await assert.rejects(store.add('t', { user: 'u', isAdmin: false, expiresAt: Date.now() + HOUR }, Date.now()), { code: 'MI_OPS_020' });
    const warned = logs.lines.filter((l) => l.message.startsWith('MI_OPS_020'));
    assert.equal(warned.length, 1, 'one line for the outage');
    assert.match(warned[0]!.message, /cannot be reached/);
  });
});
