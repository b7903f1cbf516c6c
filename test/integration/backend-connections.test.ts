/**
 * `[transport.http] max_http_connection_per_host_port`: the connections to one backend host:port, all
 * endpoints together, as Micro Integrator's pass-through sender counts them. Requests beyond the limit wait
 * for a free connection and are all answered; without the key the runtime opens what the load asks for.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { configFromText } from '../../src/config/config.js';
import { MiError } from '../../src/errors.js';
import { post, startTestServer, SYN, type TestServer } from '../helpers/server.js';

interface CountingBackend {
  url: string;
  maxOpen: number;
  maxInFlight: number;
  reset(): void;
  close(): Promise<void>;
}

/** Answers each request after 150 ms with its path, and counts open connections and requests in flight. */
async function countingBackend(): Promise<CountingBackend> {
  let open = 0;
  let inFlight = 0;
  const b = { maxOpen: 0, maxInFlight: 0 };
  const server = http.createServer((req, res) => {
    b.maxInFlight = Math.max(b.maxInFlight, ++inFlight);
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ path: req.url }));
      }, 150),
    );
  });
  server.on('connection', (socket) => {
    b.maxOpen = Math.max(b.maxOpen, ++open);
    socket.on('close', () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(b, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reset() {
      b.maxOpen = open;
      b.maxInFlight = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** Two APIs, each with its own endpoint, both sending to the same backend host:port. */
function apis(backendUrl: string): Record<string, string> {
  const api = (name: string) =>
    `<api ${SYN} name="${name}" context="/${name.toLowerCase()}"><resource methods="POST" uri-template="/*"><inSequence>` +
    `<call><endpoint><address uri="${backendUrl}/${name.toLowerCase()}"/></endpoint></call><respond/></inSequence></resource></api>`;
  return { 'api/A.xml': api('A'), 'api/B.xml': api('B') };
}

async function sixAtOnce(s: TestServer): Promise<void> {
  const replies = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => post(`${s.url}/${i % 2 ? 'b' : 'a'}/x`, '{}', { 'content-type': 'application/json' })));
  replies.forEach((r, i) => {
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { path: `/${i % 2 ? 'b' : 'a'}/x` }, 'each answer is its own request\'s');
  });
}

describe('[transport.http] max_http_connection_per_host_port', function () {
  this.timeout(30_000);
  let backend: CountingBackend;
  const servers: TestServer[] = [];
  beforeEach(async () => {
    backend = await countingBackend();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await backend.close();
  });

  it('two endpoints to one host:port share its connections, and requests past the limit wait their turn', async () => {
    const s = await startTestServer(apis(backend.url), '[server]\nhot_deployment = false\n[transport.http]\nmax_http_connection_per_host_port = 2\n');
    servers.push(s);
    await sixAtOnce(s);
    assert.equal(backend.maxOpen, 2, 'both endpoints together hold at most 2 connections');
    assert.equal(backend.maxInFlight, 2);
    // the kept-alive pair serves the next burst: no new connections
    backend.reset();
    await sixAtOnce(s);
    assert.equal(backend.maxOpen, 2);
  });

  it('without the key, the runtime opens as many connections as requests are in flight (Micro Integrator\'s 32767)', async () => {
    const s = await startTestServer(apis(backend.url));
    servers.push(s);
    await sixAtOnce(s);
    assert.ok(backend.maxOpen > 2 && backend.maxInFlight > 2, `open ${backend.maxOpen}, in flight ${backend.maxInFlight}: the six requests were serialised`);
  });

  it('a value that is not a whole number >= 1 stops the start with the key named', () => {
    for (const v of ['0', '-3', '"many"', '2.5']) {
      assert.throws(
        () => configFromText('.', `[transport.http]\nmax_http_connection_per_host_port = ${v}\n`, 'deployment.toml'),
        (e: unknown) => e instanceof MiError && e.code === 'MI_CFG_002' && /\[transport\.http\] max_http_connection_per_host_port must be a whole number >= 1/.test(e.message),
        v,
      );
    }
    assert.deepEqual(configFromText('.', '[transport.http]\nmax_http_connection_per_host_port = "64"\n', 'deployment.toml').warnings, []);
  });
});
