/**
 * The internal HTTP API's probes over real HTTP, as Micro Integrator serves them on 9191 + offset:
 * `/liveness` answers whenever the process does; `/healthz` is ready only once the artifacts are deployed
 * and the listeners up, lists faulty artifact files, and says not ready while the user store's PostgreSQL
 * is cut off (through a TCP relay the test holds, opens and cuts) or while the server stops.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer, type Server } from '../../src/main.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { freshPostgresSchema, needService, POSTGRES } from '../helpers/databases.js';
import { startBackend, startTestServer, SYN, type TestServer } from '../helpers/server.js';
import { freePort, startTcpGate, type TcpGate } from '../helpers/tcp-gate.js';
import { makeHome, startMi } from '../helpers/process.js';

interface Probe {
  status: number;
  body: Record<string, unknown>;
  type: string | null;
}

async function probe(port: number, p: string, init: RequestInit = {}): Promise<Probe> {
  const r = await fetch(`http://127.0.0.1:${port}${p}`, init);
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, type: r.headers.get('content-type') };
}

/** Polls until `ok` holds (a hot redeploy or a pool noticing a cut takes a moment); fails after 15 s. */
async function until(what: string, f: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 15_000;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const API = (name: string, ctx: string): string =>
  `<api ${SYN} name="${name}" context="${ctx}"><resource methods="GET" uri-template="/"><inSequence><payloadFactory media-type="json"><format>{"ok":true}</format><args/></payloadFactory><respond/></inSequence></resource></api>`;

describe('internal HTTP API: probes', function () {
  this.timeout(60_000);

  describe('on a started server', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer({ 'api/Hello.xml': API('Hello', '/hello') }, '[server]\nhot_deployment = true\n');
    });
    after(async () => s?.close());

    it('/healthz is ready with Micro Integrator\'s body, /liveness says the server started', async () => {
      assert.ok(s.internalPort > 0 && s.internalPort !== s.httpPort && s.internalPort !== s.managementPort);
      const ready = await probe(s.internalPort, '/healthz');
      assert.equal(ready.status, 200);
      assert.equal(ready.type, 'application/json');
      assert.equal(ready.body['status'], 'ready');
      assert.match(String(ready.body['version']), /^\d+\.\d+\.\d+/);
      const live = await probe(s.internalPort, '/liveness');
      assert.deepEqual([live.status, live.body], [200, { server: 'started' }]);
      // MI's resources are mounted at "/": the trailing slash and a query are the same resource
      assert.equal((await probe(s.internalPort, '/healthz/?x=1')).status, 200);
      const head = await fetch(`http://127.0.0.1:${s.internalPort}/liveness`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');
    });

    it('answers 404 (MI_OPS_001) to another path and 405 (MI_OPS_002) to another method', async () => {
      const nf = await probe(s.internalPort, '/management/apis');
      assert.deepEqual([nf.status, nf.body['code']], [404, 'MI_OPS_001']);
      const post = await probe(s.internalPort, '/healthz', { method: 'POST', body: 'x' });
      assert.deepEqual([post.status, post.body['code']], [405, 'MI_OPS_002']);
      // the mediation port does not serve the probes
      assert.equal((await fetch(`${s.url}/healthz`)).status, 404);
    });

    it('a faulty artifact file makes the server not ready (500, listed) until it is fixed', async () => {
      const bad = s.write('api/Broken.xml', `<api ${SYN} name="Broken" context="/broken"><resource methods="GET"><inSequence><nosuchmediator/></inSequence></resource></api>`);
      await until('the faulty file to be reported', async () => (await probe(s.internalPort, '/healthz')).status === 500);
      const r = await probe(s.internalPort, '/healthz');
      assert.equal(r.body['status'], 'not ready, faulty artifacts detected');
      assert.deepEqual(r.body['Faulty artifacts'], [path.relative(s.home, bad)]);
      assert.equal((await probe(s.internalPort, '/liveness')).status, 200, 'alive all the same');
      // what deployed keeps serving
      assert.equal((await fetch(`${s.url}/hello`)).status, 200);
      s.write('api/Broken.xml', API('Broken', '/broken'));
      await until('the fixed file to deploy', async () => (await probe(s.internalPort, '/healthz')).status === 200);
      assert.ok(s.logLines.some((l) => l.level === 'WARN' && l.message.startsWith('MI_OPS_004  the server is not ready, faulty artifacts detected')));
    });
  });

  it('is not ready while the server stops (in-flight requests drain), and closes last', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const backend = await startBackend((_req, _body, res) => void held.then(() => res.end('late')));
    const s = await startTestServer({
      'api/Slow.xml': `<api ${SYN} name="Slow" context="/slow"><resource methods="GET"><inSequence><call><endpoint><address uri="${backend.url}/"/></endpoint></call><respond/></inSequence></resource></api>`,
    });
    try {
      const inflight = fetch(`${s.url}/slow`);
      await until('the request to reach the backend', async () => backend.requests.length === 1);
      const stopping = s.close();
      await until('readiness to drop', async () => (await probe(s.internalPort, '/healthz')).status === 500);
      const r = await probe(s.internalPort, '/healthz');
      assert.equal(r.body['status'], 'not ready, stopping');
      assert.equal((await probe(s.internalPort, '/liveness')).status, 200);
      release();
      assert.equal(await (await inflight).text(), 'late');
      await stopping;
      await assert.rejects(fetch(`http://127.0.0.1:${s.internalPort}/liveness`));
    } finally {
      release();
      await backend.close();
    }
  });

  it('mi start says on its ready line where health and metrics are served (9191 + offset), and they answer there', async () => {
    const home = makeHome({ 'api/Hello.xml': API('Hello', '/hello') }, { 'deployment.toml': '[server]\nhot_deployment = false\n' });
    const mi = await startMi(home);
    try {
      const ready = mi.output().split('\n').find((l) => l.includes('ready on'))!;
      const m = /; health and metrics on http:\/\/(\S+):(\d+)$/.exec(ready);
      assert.ok(m, ready);
      const port = Number(m[2]);
      assert.equal(port, 9191 + (mi.port - 8280), 'base 9191 + the offset');
      assert.equal((await probe(port, '/healthz')).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${port}/metric-service/metrics`)).status, 200);
    } finally {
      await mi.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a start whose internal API port is taken stops with MI_SRV_001 naming it', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const taken = (holder.address() as net.AddressInfo).port;
    const home = mkdtempSync(path.join(os.tmpdir(), 'mi-probes-port-'));
    try {
      mkdirSync(path.join(home, 'synapse-configs', 'default'), { recursive: true });
      await assert.rejects(
        startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, internalPort: taken, host: '127.0.0.1' }),
        (e: Error & { code?: string }) => e.code === 'MI_SRV_001' && e.message.includes(`port ${taken} (internal HTTP API)`),
      );
    } finally {
      await new Promise<void>((r) => holder.close(() => r()));
      rmSync(home, { recursive: true, force: true });
    }
  });

  describe('with the user store on PostgreSQL behind a relay the test controls', () => {
    let gate: TcpGate;
    let home: string;
    const fresh = freshPostgresSchema();
    before(async function () {
      await needService(this, 'postgres');
      gate = await startTcpGate({ host: POSTGRES.host, port: POSTGRES.port }, 'hold');
      home = mkdtempSync(path.join(os.tmpdir(), 'mi-probes-'));
      mkdirSync(path.join(home, 'deployment'), { recursive: true });
      mkdirSync(path.join(home, 'synapse-configs', 'default', 'api'), { recursive: true });
      writeFileSync(path.join(home, 'synapse-configs', 'default', 'api', 'Hello.xml'), API('Hello', '/hello'));
      const url = fresh.url.replace(`:${POSTGRES.port}/`, `:${gate.port}/`);
      writeFileSync(
        path.join(home, 'deployment', 'deployment.toml'),
        `[server]\nhot_deployment = false\n[user_store]\ntype = "database"\ndata_source = "UserDB"\n\n[[datasource]]\nid = "UserDB"\nurl = "${url}"\nusername = "${POSTGRES.user}"\npassword = ""\n`,
      );
    });
    after(async () => {
      await gate?.close();
      if (home) rmSync(home, { recursive: true, force: true });
      await fresh.drop().catch(() => {});
    });

    let server: Server | undefined;
    let internal = 0;
    after(async () => server?.stop());

    it('is alive but not ready while the start waits for the database, and ready once deployed', async () => {
      internal = await freePort();
      const starting = startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, managementPort: 0, internalPort: internal, host: '127.0.0.1' });
      starting.catch(() => {});
      await until('the internal API to answer', async () => (await probe(internal, '/liveness').catch(() => ({ status: 0 }))).status === 200);
      const early = await probe(internal, '/healthz');
      assert.equal(early.status, 500);
      assert.equal(early.body['status'], 'not ready, starting');
      gate.set('pass');
      server = await starting;
      assert.equal(server.internalPort, internal);
      const r = await probe(internal, '/healthz');
      assert.deepEqual([r.status, r.body['status']], [200, 'ready']);
      assert.equal((await fetch(`http://127.0.0.1:${server.httpPort}/hello`)).status, 200);
    });

    it('is not ready while the user store\'s database is cut off, and ready again when it is back', async () => {
      assert.ok(server, 'started by the previous test');
      gate.set('cut');
      await until('the cut to show', async () => (await probe(internal, '/healthz')).status === 500);
      const r = await probe(internal, '/healthz');
      assert.match(String(r.body['status']), /^not ready, user store unreachable/);
      assert.match(String((r.body['checks'] as Record<string, string>)['user store']), /^unreachable/);
      assert.equal((r.body['checks'] as Record<string, string>)['listener http'], 'ok');
      assert.doesNotMatch(JSON.stringify(r.body), /127\.0\.0\.1|postgres|mi_test_/, 'no host, user or schema on an open port');
      assert.equal((await probe(internal, '/liveness')).status, 200, 'a database outage is not a reason to restart');
      gate.set('pass');
      await until('the database to be back', async () => (await probe(internal, '/healthz')).status === 200);
    });
  });
});
