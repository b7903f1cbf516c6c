import assert from 'node:assert/strict';
import http from 'node:http';
import { startBackend, startTestServer, get, SYN, type Backend, type TestServer } from '../helpers/server.js';

/** Sends the request target exactly as written (node:http does not normalise dot segments or escapes). */
function sendRaw(base: string, target: string, method = 'GET'): Promise<{ status: number; text: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: target, method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dot segments and encoded slashes cannot climb out of an endpoint', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend((req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`backend saw ${req.url}`);
    });
    s = await startTestServer({
      'proxy-services/Gate.xml': `<proxy ${SYN} name="Gate"><target><endpoint><address uri="${backend.url}/public"/></endpoint></target></proxy>`,
      'api/Files.xml': `<api ${SYN} name="Files" context="/files">
          <resource methods="GET" uri-template="/byname/{name}"><inSequence>
            <send><endpoint><http method="get" uri-template="${backend.url}/store/{uri.var.name}"/></endpoint></send></inSequence></resource>
          <resource methods="GET" uri-template="/nested/{+path}"><inSequence>
            <send><endpoint><http method="get" uri-template="${backend.url}/store/{+uri.var.path}"/></endpoint></send></inSequence></resource>
          <resource methods="GET" uri-template="/any/*"><inSequence>
            <send><endpoint><address uri="${backend.url}/base"/></endpoint></send></inSequence></resource>
        </api>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  /** Every path the backend was asked for stays under one of the endpoints' bases. */
  function backendStayedInside(): void {
    for (const r of backend.requests) assert.match(r.url, /^\/(public|store|base)(\/|$|\?)/, `backend was asked for ${r.url}`);
  }

  it('resolves dot segments after a pass-through proxy path inside the proxy', async () => {
    const r = await sendRaw(s.url, '/services/Gate/a/b/../c/./d');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'backend saw /public/a/c/d');
  });

  for (const target of ['/services/Gate/../admin', '/services/Gate/%2e%2e/admin', '/services/Gate/x/%2E./%2e%2E/secret', '/services/Gate/..%2Fadmin/../../admin']) {
    it(`never lets ${target} reach the backend outside the endpoint's base`, async () => {
      const before = backend.requests.length;
      const r = await sendRaw(s.url, target);
      assert.notEqual(r.status, 200, r.text);
      assert.equal(backend.requests.length, before, `backend saw ${backend.requests.at(-1)?.url}`);
    });
  }

  it('answers 400 with a code for a path that climbs above the root, and keeps serving others meanwhile', async () => {
    const [attack, innocent] = await Promise.all([sendRaw(s.url, '/services/Gate/%2e%2e/%2E%2e/../../etc/passwd'), get(`${s.url}/services/Gate/ok`)]);
    assert.equal(attack.status, 400);
    const body = JSON.parse(attack.text) as { code: string; message: string };
    assert.equal(body.code, 'MI_REQ_011');
    assert.match(body.message, /above the root/);
    assert.equal(innocent.status, 200);
    assert.equal(innocent.text, 'backend saw /public/ok');
    backendStayedInside();
  });

  it('keeps the query out of path resolution', async () => {
    const r = await sendRaw(s.url, '/services/Gate/q?next=../../admin');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'backend saw /public/q?next=../../admin');
  });

  it('keeps encoded slashes and dots of a uri-template variable encoded in the endpoint URL', async () => {
    const r = await sendRaw(s.url, '/files/byname/..%2F..%2Fadmin');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'backend saw /store/..%2F..%2Fadmin');
    const dots = await sendRaw(s.url, '/files/byname/..%2e');
    // '..%2e' is not a dot segment ('...'), and stays one segment of data
    assert.equal(dots.text, 'backend saw /store/...');
    backendStayedInside();
  });

  it('encodes a variable that is a dot segment instead of letting it climb (reserved expansion too)', async () => {
    const r = await sendRaw(s.url, '/files/nested/a%2F..%2F..%2F..%2Fsecret');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, 'backend saw /store/a/%2E%2E/%2E%2E/%2E%2E/secret');
    backendStayedInside();
  });

  it('resolves dot segments of an API path before routing, within the API context', async () => {
    const inside = await sendRaw(s.url, '/files/any/x/y/%2e%2e/z');
    assert.equal(inside.text, 'backend saw /base/any/x/z');
    const out = await sendRaw(s.url, '/files/any/%2e%2e/%2e%2e/admin');
    assert.equal(out.status, 404);
    backendStayedInside();
  });
});
