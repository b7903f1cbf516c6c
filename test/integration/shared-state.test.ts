/**
 * The cache and throttle mediators with `[cache]` / `[throttle] type = "redis"`: two runtime processes share
 * one limit and one cache through the real Redis on 127.0.0.1:6379; and with Redis down (a closed port) the
 * cache answers from the backend and the throttle refuses (fail_open = false) or lets through (true), each
 * saying so once in the log.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { makeHome, startMi, type MiProcess } from '../helpers/process.js';
import { startBackend, startTestServer, get, SYN, type Backend, type TestServer } from '../helpers/server.js';
import { closedPort, dropPrefix, freshPrefix, needRedis, REDIS_URL } from '../helpers/redis.js';

const WSP = 'xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy" xmlns:throttle="http://www.wso2.org/products/wso2commons/throttle"';
const limit = (max: number) => `<wsp:Policy ${WSP}><throttle:MediatorThrottleAssertion><wsp:Policy><throttle:ID throttle:type="IP">other</throttle:ID>
  <wsp:Policy><throttle:Control><wsp:Policy><throttle:MaximumCount>${max}</throttle:MaximumCount><throttle:UnitTime>60000</throttle:UnitTime></wsp:Policy></throttle:Control></wsp:Policy>
  </wsp:Policy></throttle:MediatorThrottleAssertion></wsp:Policy>`;

const artifacts = (backend: string, max: number): Record<string, string> => ({
  'api/Shared.xml': `<api ${SYN} name="Shared" context="/shared">
    <resource methods="GET" uri-template="/throttled">
      <inSequence><throttle id="T"><policy>${limit(max)}</policy>
        <onAccept><call><endpoint><address uri="${backend}/t"/></endpoint></call><respond/></onAccept>
        <onReject><payloadFactory media-type="json"><format>{"error":"throttled"}</format><args/></payloadFactory>
          <property name="HTTP_SC" value="429" scope="axis2"/><respond/></onReject></throttle></inSequence>
    </resource>
    <resource methods="GET" url-mapping="/cached/*">
      <inSequence><cache collector="false" timeout="60"/><send><endpoint><address uri="${backend}"/></endpoint></send></inSequence>
      <outSequence><cache collector="true"/><respond/></outSequence>
    </resource></api>`,
});

const toml = (prefix: string, url = REDIS_URL, failOpen?: boolean) => `[server]
hot_deployment = false
[cache]
type = "redis"
redis_url = "${url}"
key_prefix = "${prefix}cache:"
timeout = 1000
[throttle]
type = "redis"
redis_url = "${url}"
key_prefix = "${prefix}throttle:"
timeout = 1000
${failOpen === undefined ? '' : `fail_open = ${failOpen}\n`}`;

function countingBackend(): Promise<Backend & { hits: () => number }> {
  let n = 0;
  return startBackend((_req, _b, res) => {
    n++;
    res.writeHead(200, { 'content-type': 'application/json', 'x-backend': 'yes' });
    res.end(JSON.stringify({ n }));
  }).then((b) => Object.assign(b, { hits: () => n }));
}

describe('cache and throttle shared by two runtime processes through Redis', function () {
  this.timeout(120_000);
  let backend: Backend & { hits: () => number };
  let prefix: string;
  const procs: MiProcess[] = [];
  const homes: string[] = [];
  before(async function () {
    await needRedis(this);
    backend = await countingBackend();
    prefix = freshPrefix();
    for (let i = 0; i < 2; i++) {
      const home = makeHome(artifacts(backend.url, 3), { 'deployment.toml': toml(prefix) });
      homes.push(home);
      procs.push(await startMi(home));
    }
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    for (const h of homes) rmSync(h, { recursive: true, force: true });
    if (backend) await backend.close();
    if (prefix) await dropPrefix(prefix);
  });

  it('shares one throttle limit: 3 requests in the unit time across both processes, the 4th refused', async () => {
    const [a, b] = procs as [MiProcess, MiProcess];
    const statuses = [];
    for (const p of [a, b, a, b]) statuses.push((await get(`${p.url}/shared/throttled`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal((await get(`${b.url}/shared/throttled`)).text, '{"error":"throttled"}');
  });

  it('shares one cache: a response stored by one process answers the other without the backend', async () => {
    const [a, b] = procs as [MiProcess, MiProcess];
    const before = backend.hits();
    const first = await get(`${a.url}/shared/cached/item?id=7`);
    const second = await get(`${b.url}/shared/cached/item?id=7`);
    assert.equal(backend.hits() - before, 1, 'the backend was called once');
    assert.equal(second.status, 200);
    assert.equal(second.text, first.text);
    assert.equal(second.headers.get('x-backend'), 'yes');
  });
});

describe('cache and throttle while Redis is down', function () {
  this.timeout(60_000);
  let backend: Backend & { hits: () => number };
  let closed: TestServer;
  let open: TestServer;
  before(async () => {
    backend = await countingBackend();
    const url = `redis://127.0.0.1:${await closedPort()}`;
    closed = await startTestServer(artifacts(backend.url, 100), toml('down:', url));
    open = await startTestServer(artifacts(backend.url, 100), toml('down:', url, true));
  });
  after(async () => {
    await closed.close();
    await open.close();
    await backend.close();
  });

  const lines = (s: TestServer, code: string) => s.logLines.filter((l) => l.message.includes(code));

  it('the cache answers every request from the backend, and says so once per outage (MI_MED_063)', async () => {
    const before = backend.hits();
    const r = [];
    for (let i = 0; i < 3; i++) r.push(await get(`${closed.url}/shared/cached/x`));
    assert.deepEqual(r.map((x) => x.status), [200, 200, 200]);
    assert.equal(backend.hits() - before, 3);
    const warned = lines(closed, 'MI_MED_063');
    assert.equal(warned.length, 1, warned.map((l) => l.message).join('\n'));
    assert.equal(warned[0]!.level, 'WARN');
    assert.match(warned[0]!.message, /the cache store \(Redis at 127\.0\.0\.1:\d+\) is not reachable: .*; cache mediators answer every request from the backend and store nothing until it is back/);
  });

  it('the throttle refuses every request by default (fail_open = false), and says so once (MI_MED_064)', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get(`${closed.url}/shared/throttled`)).status, 429);
    const warned = lines(closed, 'MI_MED_064');
    assert.equal(warned.length, 1);
    assert.match(warned[0]!.message, /throttle mediators refuse every request \(fail_open = false\)/);
  });

  it('with fail_open = true the throttle lets requests through', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get(`${open.url}/shared/throttled`)).status, 200);
    assert.match(lines(open, 'MI_MED_064')[0]?.message ?? '', /let every request through \(fail_open = true\)/);
  });
});
