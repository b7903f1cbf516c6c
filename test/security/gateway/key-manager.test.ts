/**
 * [[key_manager]]s that cannot answer (refused connection, silence, a full queue) fail closed with 900900
 * and one log line; one over https is trusted through [truststore]; a wrong table stops the start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { get, startBackend, startTestServer, type Backend, type TestServer } from '../../helpers/server.js';
import { readKeyManagers } from '../../../src/security/gateway/key-manager-config.js';
import { unverifiedIssuer } from '../../../src/security/gateway/bearer-tokens.js';
import { MiError } from '../../../src/errors.js';
import { openssl } from '../fixtures.js';
import { API, b64, jwtShaped, now, opaque, UNAVAILABLE } from './introspection-fixtures.js';

describe('API security: a key manager that cannot be asked', function () {
  this.timeout(60000);
  let s: TestServer;
  let backend: Backend;
  let hanging: http.Server;
  let hangingCalls = 0;

  before(async () => {
    backend = await startBackend();
    // a closed port, and a server that takes the call and never answers
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    hanging = http.createServer(() => void hangingCalls++);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    s = await startTestServer(
      { 'api/Coffee.xml': API(backend) },
      `[server]
hot_deployment = false

[[key_manager]]
name = "closed-km"
issuer = "https://closed.test"
introspection_url = "http://127.0.0.1:${closedPort}/introspect"
client_id = "gateway"
client_secret = "x-secret-1"

[[key_manager]]
name = "hanging-km"
issuer = "https://hanging.test"
introspection_url = "http://127.0.0.1:${(hanging.address() as AddressInfo).port}/introspect"
client_id = "gateway"
client_secret = "x-secret-2"
timeout = 500

[[key_manager]]
name = "narrow-km"
issuer = "https://narrow.test"
introspection_url = "http://127.0.0.1:${(hanging.address() as AddressInfo).port}/narrow"
client_id = "gateway"
client_secret = "x-secret-3"
timeout = 30000
max_connections = 1
max_queued = 0
`,
    );
  });
  after(async () => {
    await s?.close();
    await backend?.close();
    hanging?.closeAllConnections();
    hanging?.close();
  });

  for (const [which, iss, reason] of [['unreachable', 'https://closed.test', /closed-km .*ECONNREFUSED/], ['silent', 'https://hanging.test', /hanging-km .*no answer within 500 ms/]] as const) {
    it(`answers 900900 and 500 for every new token while the key manager is ${which}, with one log line`, async () => {
      for (let i = 0; i < 3; i++) {
        const r = await get(`${s.url}/coffee/menu`, { authorization: `Bearer ${jwtShaped(iss)}` });
        assert.equal(r.status, 500);
        assert.equal(r.text, UNAVAILABLE);
      }
      const lines = s.logLines.filter((l) => l.message.includes('MI_API_031') && reason.test(l.message));
      assert.equal(lines.length, 1, s.logLines.map((l) => l.message).join('\n'));
      assert.equal(backend.requests.length, 0);
    });
  }

  it('refuses a new token at once with 900900 when max_connections calls run and max_queued wait, with one log line', async () => {
    const calls = hangingCalls;
    const first = get(`${s.url}/coffee/menu`, { authorization: `Bearer ${jwtShaped('https://narrow.test')}` });
    while (hangingCalls === calls) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 2; i++) {
      const r = await get(`${s.url}/coffee/menu`, { authorization: `Bearer ${jwtShaped('https://narrow.test')}` });
      assert.equal(r.status, 500);
      assert.equal(r.text, UNAVAILABLE);
    }
    assert.equal(hangingCalls, calls + 1, 'the refused tokens were never sent');
    assert.equal(s.logLines.filter((l) => l.message.includes('MI_API_032') && l.message.includes('narrow-km')).length, 1);
    hanging.closeAllConnections();
    assert.equal((await first).status, 500, 'the call in flight fails when its connection drops');
  });
});

describe('API security: a key manager over HTTPS with a private CA', function () {
  this.timeout(60000);
  let s: TestServer;
  let backend: Backend;
  let idp: https.Server;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mi-km-tls-'));
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'km.key'), '-out', path.join(dir, 'km.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    idp = https.createServer({ key: readFileSync(path.join(dir, 'km.key')), cert: readFileSync(path.join(dir, 'km.pem')) }, (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ active: true, sub: 'tls-user', scope: 'read:menu', exp: now() + 600 }));
      });
    });
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    backend = await startBackend();
    s = await startTestServer(
      { 'api/Coffee.xml': API(backend) },
      `[server]
hot_deployment = false

[truststore]
file_name = ${JSON.stringify(path.join(dir, 'km.pem'))}
type = "PEM"

[[key_manager]]
introspection_url = "https://127.0.0.1:${(idp.address() as AddressInfo).port}/introspect"
client_id = "gateway"
client_secret = "tls-secret"
`,
    );
  });
  after(async () => {
    await s?.close();
    await backend?.close();
    idp?.closeAllConnections();
    idp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trusts the key manager certificate through [truststore]', async () => {
    const r = await get(`${s.url}/coffee/menu`, { authorization: `Bearer ${opaque()}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(backend.requests.at(-1)!.headers['x-user'], 'tls-user');
  });
});

describe('API security: [[key_manager]] settings', () => {
  const base = { introspection_url: 'https://km.test/oauth2/introspect', client_id: 'gw', client_secret: 'pw' };

  it('reads a key manager with its defaults', () => {
    const [k] = readKeyManagers({ key_manager: [base] }, []);
    assert.equal(k!.name, 'km.test');
    assert.equal(k!.introspectionUrl.href, 'https://km.test/oauth2/introspect');
    assert.equal(k!.timeoutMs, 5000);
    assert.equal(k!.cacheSeconds, 120);
    assert.equal(k!.inactiveCacheSeconds, 10);
    assert.equal(k!.maxConnections, 10);
  });

  const bad: [string, unknown, RegExp][] = [
    ['no introspection_url', [{ client_id: 'gw', client_secret: 'pw' }], /needs introspection_url/],
    ['an introspection_url that is not a URL', [{ ...base, introspection_url: 'km/introspect' }], /is not a URL/],
    ['an introspection_url with credentials', [{ ...base, introspection_url: 'https://gw:pw@km.test/i' }], /must not carry credentials/],
    ['a file: introspection_url', [{ ...base, introspection_url: 'file:///etc/passwd' }], /must be http\(s\)/],
    ['no client_secret', [{ ...base, client_secret: undefined }], /needs client_id and client_secret/],
    ['an unknown key', [{ ...base, cache_tll: 5 }], /has no key 'cache_tll'/],
    ['a negative timeout', [{ ...base, timeout: -1 }], /timeout/],
    ['a name used twice', [{ ...base, name: 'a' }, { ...base, name: 'a' }], /name 'a' is used twice/],
    ['an issuer that is also a [[jwt_issuer]]', [{ ...base, issuer: 'https://idp.test' }], /also a \[\[jwt_issuer\]\]/],
    ['a single table', { ...base }, /must be an array of tables/],
  ];
  for (const [what, tables, expected] of bad) {
    it(`stops the start for ${what} (MI_API_030)`, () => {
      const clean = Array.isArray(tables) ? tables.map((t) => JSON.parse(JSON.stringify(t))) : tables;
      assert.throws(
        () => readKeyManagers({ key_manager: clean }, ['https://idp.test']),
        (e: unknown) => e instanceof MiError && e.code === 'MI_API_030' && expected.test(e.message),
      );
    });
  }

  it('routes by shape: an opaque token is no JWT, a JWT is routed by its unverified iss', () => {
    assert.equal(unverifiedIssuer('2YotnFZFEjr1zCsicMWpAA'), null);
    assert.equal(unverifiedIssuer('a.b'), null);
    assert.equal(unverifiedIssuer('a.b.c.d'), null);
    assert.equal(unverifiedIssuer(`${b64({ alg: 'RS256' })}.not-json.sig`), null);
    assert.equal(unverifiedIssuer(`${b64({ alg: 'RS256' })}.${b64({ sub: 'x' })}.sig`), undefined);
    assert.equal(unverifiedIssuer(jwtShaped('https://partner.test')), 'https://partner.test');
  });
});
