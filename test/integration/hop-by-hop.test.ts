import assert from 'node:assert/strict';
import http from 'node:http';
import { startBackend, startTestServer, rawRequest, SYN, type Backend, type TestServer } from '../helpers/server.js';

describe('headers named by Connection never reach the backend', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend((req, body, res) => {
      // the backend names one of its own headers in Connection: the client must not see it either
      res.writeHead(200, { 'content-type': 'application/json', connection: 'x-backend-internal', 'x-backend-internal': 'leak', 'x-backend-public': 'ok' });
      res.end(body || '{}');
    });
    s = await startTestServer({
      'proxy-services/Pass.xml': `<proxy ${SYN} name="Pass"><target><endpoint><address uri="${backend.url}/pass"/></endpoint></target></proxy>`,
      'api/Mediated.xml': `<api ${SYN} name="Mediated" context="/mediated"><resource methods="POST" uri-template="/*"><inSequence>
          <log level="full"/>
          <property name="X-Added" value="by-mediator" scope="transport"/>
          <call><endpoint><address uri="${backend.url}/mediated"/></endpoint></call><respond/></inSequence></resource></api>`,
      'api/SetsConnection.xml': `<api ${SYN} name="SetsConnection" context="/sets"><resource methods="POST" uri-template="/*"><inSequence>
          <property name="Connection" value="x-route-hint" scope="transport"/>
          <property name="x-route-hint" value="internal" scope="transport"/>
          <call><endpoint><address uri="${backend.url}/sets"/></endpoint></call><respond/></inSequence></resource></api>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  const hostile = {
    'content-type': 'application/json',
    connection: 'x-secret-internal',
    'x-secret-internal': 'from-the-client',
    'x-kept': 'yes',
  };

  for (const [label, path] of [
    ['pass-through', '/services/Pass'],
    ['mediated', '/mediated/x'],
  ] as const) {
    it(`drops a single header named by Connection, and the standard hop-by-hop ones (${label})`, async () => {
      const r = await rawRequest(`${s.url}${path}`, { headers: { ...hostile, 'keep-alive': 'timeout=5', te: 'trailers', upgrade: 'h2c', 'proxy-authorization': 'Basic eDp5' }, body: '{"a":1}' });
      assert.equal(r.status, 200, r.text);
      const seen = backend.requests.at(-1)!;
      assert.equal(seen.headers['x-secret-internal'], undefined);
      assert.equal(seen.headers['keep-alive'], undefined);
      assert.equal(seen.headers['te'], undefined);
      assert.equal(seen.headers['upgrade'], undefined);
      assert.equal(seen.headers['proxy-authorization'], undefined);
      assert.equal(seen.headers['x-kept'], 'yes');
      if (label === 'mediated') assert.equal(seen.headers['x-added'], 'by-mediator');
      // and the backend's own Connection-named header stops here on the way back
      assert.equal(r.headers['x-backend-internal'], undefined);
      assert.equal(r.headers['x-backend-public'], 'ok');
    });

    it(`drops every header a Connection list names, in any case and spacing (${label})`, async () => {
      const r = await rawRequest(`${s.url}${path}`, {
        headers: { 'content-type': 'application/json', connection: 'keep-alive ,X-One,  x-two', 'x-one': '1', 'x-two': '2', 'x-three': '3' },
        body: '{"a":1}',
      });
      assert.equal(r.status, 200, r.text);
      const seen = backend.requests.at(-1)!;
      assert.equal(seen.headers['x-one'], undefined);
      assert.equal(seen.headers['x-two'], undefined);
      assert.equal(seen.headers['x-three'], '3');
    });
  }

  it('drops a header that a Connection set by a mediator names', async () => {
    const r = await rawRequest(`${s.url}/sets/x`, { headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 200, r.text);
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.headers['x-route-hint'], undefined);
  });

  it('serves an innocent request on the same connection normally', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const u = new URL(`${s.url}/services/Pass`);
      const send = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end('{}');
        });
      assert.equal(await send(hostile), 200);
      assert.equal(await send({ 'content-type': 'application/json', 'x-secret-internal': 'now-end-to-end' }), 200);
      // without a Connection header naming it, the same name is an ordinary end-to-end header
      assert.equal(backend.requests.at(-1)!.headers['x-secret-internal'], 'now-end-to-end');
    } finally {
      agent.destroy();
    }
  });
});
