import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { decide, MemoryWindows, WINDOW_SCRIPT, type WindowState } from '../../../src/mediators/throttle/rate-window.js';
import { CallerTable } from '../../../src/mediators/throttle/caller-table.js';
import { dropPrefix, freshPrefix, needRedis, REDIS_URL } from '../../helpers/redis.js';

const limits = (maxCount: number, unitTime: number, prohibitTime = 0) => ({ maxCount, unitTime, prohibitTime });

/** Runs requests at the given times through decide(), returning the answers. */
function run(times: number[], l: ReturnType<typeof limits>): boolean[] {
  let state: WindowState | undefined;
  return times.map((t) => {
    const r = decide(state, l, t);
    if (r.state) state = r.state;
    return r.allowed;
  });
}

describe('throttle window (CallerContext semantics)', () => {
  it('allows MaximumCount requests in the window opened by the first one, then refuses until it ends', () => {
    assert.deepEqual(run([1000, 1100, 1200, 1999, 2000, 2001], limits(2, 1000)), [true, true, false, false, true, true]);
  });

  it('a ProhibitTimePeriod shorter than the window lets the caller back in when it ends, with a new window', () => {
    // refused at 1200 -> prohibited until 1700; 1700 opens a new window [1700, 11700)
    assert.deepEqual(run([1000, 1100, 1200, 1600, 1700, 1800], limits(2, 10_000, 500)), [true, true, false, false, true, true]);
  });

  it('a ProhibitTimePeriod longer than the window keeps refusing after the window', () => {
    // refused at 10 -> prohibited until 2010, though the window ended at 100
    assert.deepEqual(run([0, 10, 20, 150, 2009, 2011], limits(1, 100, 2000)), [true, false, false, false, false, true]);
  });

  it('MaximumCount 0 never allows', () => {
    assert.deepEqual(run([0, 5000, 100_000], limits(0, 1000)), [false, false, false]);
  });

  it('MemoryWindows keeps one count per key', () => {
    const w = new MemoryWindows();
    assert.equal(w.take('a', limits(1, 60_000), 0), true);
    assert.equal(w.take('a', limits(1, 60_000), 1), false);
    assert.equal(w.take('b', limits(1, 60_000), 1), true);
  });
});

describe('throttle caller entries (IPBaseThrottleConfiguration, DomainBaseThrottleConfiguration)', () => {
  const rule = (id: string) => ({ id, state: 'control' as const, maxCount: 1, unitTime: 1, prohibitTime: 0 });
  it('IP: exact address, then a range of the same network, then net.*, then other', () => {
    const t = new CallerTable('IP');
    for (const id of ['192.168.8.201', '192.168.8.200-192.168.8.222', '10.1.1.*', 'other']) t.add(rule(id));
    assert.equal(t.keyOf('192.168.8.201'), '192.168.8.201');
    assert.equal(t.keyOf('192.168.8.210'), '192.168.8.200');
    assert.equal(t.keyOf('192.168.8.223'), 'other');
    assert.equal(t.keyOf('10.1.1.77'), '10.1.1.*');
    assert.equal(t.keyOf('::1'), 'other');
  });
  it('IP without other: an unlisted caller has no entry', () => {
    const t = new CallerTable('IP');
    t.add(rule('10.0.0.1'));
    assert.equal(t.keyOf('10.0.0.2'), undefined);
  });
  it('DOMAIN: exact, then *.root walking up, then other', () => {
    const t = new CallerTable('DOMAIN');
    for (const id of ['api.example.com', '*.example.com', 'org', 'other']) t.add(rule(id));
    assert.equal(t.keyOf('api.example.com'), 'api.example.com');
    assert.equal(t.keyOf('a.b.example.com'), '*.example.com');
    assert.equal(t.keyOf('x.org'), 'org');
    assert.equal(t.keyOf('example.net'), 'other');
  });
});

describe('throttle window in Redis (the Lua script)', function () {
  this.timeout(20_000);
  let c: Redis;
  let prefix: string;
  before(async function () {
    await needRedis(this);
    c = new Redis(REDIS_URL);
    c.defineCommand(WINDOW_SCRIPT.name, { lua: WINDOW_SCRIPT.lua, numberOfKeys: 1 });
    prefix = freshPrefix();
  });
  after(async () => {
    if (prefix) await dropPrefix(prefix);
    c?.disconnect();
  });
  const take = (key: string, max: number, unit: number, prohibit = 0) =>
    (c as unknown as Record<string, (...a: (string | number)[]) => Promise<number>>)[WINDOW_SCRIPT.name]!(prefix + key, max, unit, prohibit);

  it('counts as decide() does, and keeps the key no longer than the window', async () => {
    assert.deepEqual([await take('w', 2, 60_000), await take('w', 2, 60_000), await take('w', 2, 60_000)], [1, 1, 0]);
    const ttl = await c.pttl(prefix + 'w');
    assert.ok(ttl > 50_000 && ttl <= 60_000, `ttl ${ttl}`);
    assert.equal(await take('zero', 0, 1000), 0);
  });

  it('a prohibit period ends the refusal before the window does, with a new window', async () => {
    assert.deepEqual([await take('p', 1, 60_000, 300), await take('p', 1, 60_000, 300)], [1, 0]);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await take('p', 1, 60_000, 300), 1);
    assert.equal(await take('p', 1, 60_000, 300), 0);
  });
});
