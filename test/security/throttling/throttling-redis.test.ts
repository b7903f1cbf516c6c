/**
 * Throttling tiers with `[throttling] store = "redis"`: two runtime processes share the real Redis on
 * 127.0.0.1:6379 and enforce one limit (5 per minute, whichever node is called); with Redis down (a closed
 * port) calls are admitted (`redis_down = "allow"`) or refused with 900801 (`"deny"`), and the outage is
 * logged once with MI_API_052.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { rmSync } from 'node:fs';
import { makeHome, startMi, type MiProcess } from '../../helpers/process.js';
import { startTestServer, SYN, type TestServer } from '../../helpers/server.js';
import { closedPort, dropPrefix, freshPrefix, needRedis, REDIS_URL } from '../../helpers/redis.js';
import { awayFromWindowEnd, throttledFault } from './window.js';

const MINUTE = 60_000;
const OK = `<inSequence><payloadFactory media-type="json"><format>{"ok":true}</format><args/></payloadFactory><respond/></inSequence>`;
const API = { 'api/Shop.xml': `<api ${SYN} name="Shop" context="/shop"><security throttling_tier="Partner"/><resource methods="GET" uri-template="/">${OK}</resource></api>` };

const toml = (prefix: string, url = REDIS_URL, down?: string) => `[server]
hot_deployment = false

[throttling]
store = "redis"
redis_url = "${url}"
key_prefix = "${prefix}"
timeout = 500
${down ? `redis_down = "${down}"\n` : ''}
[[throttling.tier]]
name = "Partner"
request_count = 5
unit_time = 1
time_unit = "min"
`;

describe('throttling tiers shared by two runtime processes through Redis', function () {
  this.timeout(120_000);
  let prefix: string;
  const procs: MiProcess[] = [];
  const homes: string[] = [];

  before(async function () {
    await needRedis(this);
    prefix = freshPrefix();
    for (let i = 0; i < 2; i++) {
      const home = makeHome(API, { 'deployment.toml': toml(prefix) });
      homes.push(home);
      procs.push(await startMi(home));
    }
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    for (const h of homes) rmSync(h, { recursive: true, force: true });
    if (prefix) await dropPrefix(prefix);
  });

  it('5 per minute holds exactly across both processes: 5 admitted in all, then 900800 from either', async () => {
    await awayFromWindowEnd(MINUTE);
    const [a, b] = procs as [MiProcess, MiProcess];
    // both nodes at once, so that the last admission is decided between them
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => fetch(`${(i % 2 ? a : b).url}/shop/`).then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }))));
    assert.equal(answers.filter((r) => r.status === 200).length, 5, answers.map((r) => r.status).join(' '));
    const refused = answers.filter((r) => r.status !== 200);
    assert.equal(refused.length, 3);
    for (const r of refused) assert.equal(throttledFault(r.status, r.headers, r.text, MINUTE).code, 900800);
    for (const p of [a, b]) {
      const r = await fetch(`${p.url}/shop/`);
      assert.equal(r.status, 429, 'the window stays full on every node');
    }
    const redis = new Redis(REDIS_URL);
    try {
      assert.deepEqual(await redis.keys(`${prefix}*`), [`${prefix}Shop|api`], 'one counter, under the configured prefix');
      assert.equal(await redis.hget(`${prefix}Shop|api`, 'c'), '5', 'refused calls are not counted');
      const ttl = await redis.pttl(`${prefix}Shop|api`);
      assert.ok(ttl > 0 && ttl <= MINUTE + 1000, `expires a second after its window (${ttl} ms)`);
    } finally {
      redis.disconnect();
    }
  });
});

describe('throttling tiers with Redis down', function () {
  this.timeout(60_000);
  let s: TestServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  const outageLines = (server: TestServer) => server.logLines.filter((l) => l.message.includes('MI_API_052'));

  it('redis_down = "deny" refuses with 503 and fault 900801, and logs the outage once', async () => {
    const port = await closedPort();
    s = await startTestServer(API, toml('mi_test_down:', `redis://127.0.0.1:${port}`, 'deny'));
    for (let i = 0; i < 3; i++) {
      const r: Response = await fetch(`${s!.url}/shop/`);
      assert.equal(r.status, 503);
      assert.deepEqual(await r.json(), { fault: { code: 900801, message: 'API Limit Reached', description: 'API not accepting requests' } });
    }
    const lines = outageLines(s);
    assert.equal(lines.length, 1, lines.map((l) => l.message).join('\n'));
    assert.match(lines[0]!.message, /^MI_API_052 the throttling counters \(Redis at 127\.0\.0\.1:\d+\) is not reachable: .*; calls of throttled APIs are refused with fault 900801 \(redis_down = "deny"\) until it is back$/);
  });

  it('redis_down = "allow" (the default) admits every call, and logs the outage once', async () => {
    const port = await closedPort();
    s = await startTestServer(API, toml('mi_test_down:', `redis://127.0.0.1:${port}`));
    for (let i = 0; i < 7; i++) assert.equal((await fetch(`${s.url}/shop/`)).status, 200, 'more than the tier allows: nothing is counted');
    const lines = outageLines(s);
    assert.equal(lines.length, 1, lines.map((l) => l.message).join('\n'));
    assert.match(lines[0]!.message, /calls are admitted without counting \(redis_down = "allow"\)/);
  });
});
