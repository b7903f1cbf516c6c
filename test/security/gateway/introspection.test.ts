/**
 * Opaque bearer tokens through RFC 7662 introspection, end to end over loopback: an introspection endpoint
 * written here (so every call can be counted, held and inspected) behind two [[key_manager]]s, the gateway
 * in front of a real backend. What the key manager says decides.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { get, startBackend, startTestServer, type Backend, type TestServer } from '../../helpers/server.js';
import { API, CLIENT_SECRET, INVALID, jwtShaped, now, opaque, UNAVAILABLE } from './introspection-fixtures.js';

interface Call {
  path: string;
  method: string;
  contentType: string | undefined;
  authorization: string | undefined;
  form: URLSearchParams;
}

/** An introspection endpoint: answers from `answers` by token ({"active":false} for others). */
class IntrospectionEndpoint {
  readonly calls: Call[] = [];
  readonly answers = new Map<string, Record<string, unknown>>();
  /** 'ok' answers; 'hold' keeps answers until release(); 'reject' answers 401 as for wrong client credentials. */
  mode: 'ok' | 'hold' | 'reject' = 'ok';
  private held: (() => void)[] = [];
  private server!: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        this.calls.push({ path: req.url ?? '', method: req.method ?? '', contentType: req.headers['content-type'], authorization: req.headers['authorization'], form });
        const answer = () => {
          if (this.mode === 'reject') {
            res.writeHead(401, { 'content-type': 'application/json' });
            res.end('{"error":"invalid_client"}');
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(this.answers.get(form.get('token') ?? '') ?? { active: false }));
        };
        if (this.mode === 'hold') this.held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  release(): void {
    this.mode = 'ok';
    for (const a of this.held.splice(0)) a();
  }

  callsFor(token: string): number {
    return this.calls.filter((c) => c.form.get('token') === token).length;
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

describe('API security: opaque tokens through RFC 7662 introspection', function () {
  this.timeout(60000);
  let s: TestServer;
  let backend: Backend;
  const km = new IntrospectionEndpoint();
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const menu = (t: string) => get(`${s.url}/coffee/menu`, bearer(t));
  const active = (claims: Record<string, unknown> = {}) => ({ active: true, token_type: 'Bearer', scope: 'read:menu', client_id: 'app', exp: now() + 600, ...claims });

  before(async () => {
    await km.start();
    backend = await startBackend();
    // no [[jwt_issuer]] at all: key managers alone make oauth2 deployable
    s = await startTestServer(
      { 'api/Coffee.xml': API(backend) },
      `[server]
hot_deployment = false

[[key_manager]]
name = "corporate-km"
introspection_url = "${km.url}/oauth2/introspect"
client_id = "gateway"
client_secret = "${CLIENT_SECRET}"
clock_skew = 0
cache_ttl = 300
inactive_cache_ttl = 300

[[key_manager]]
name = "partner-km"
issuer = "https://partner.test"
introspection_url = "${km.url}/partner/introspect"
client_id = "gateway"
client_secret = "${CLIENT_SECRET}"
`,
    );
  });
  after(async () => {
    await s?.close();
    await backend?.close();
    km.close();
  });

  it('admits an active token, asks as RFC 7662 says, and hands on the user and scopes without the token', async () => {
    const t = opaque();
    km.answers.set(t, active({ sub: 'alice', scope: 'read:menu write:order' }));
    const before = backend.requests.length;
    const r = await menu(t);
    assert.equal(r.status, 200, r.text);
    const seen = backend.requests[before]!;
    assert.equal(seen.headers['x-user'], 'alice');
    assert.equal(seen.headers['x-scopes'], '[read:menu, write:order]');
    assert.equal(seen.headers['authorization'], undefined, 'the token does not reach the backend');
    const call = km.calls.find((c) => c.form.get('token') === t)!;
    assert.equal(call.method, 'POST');
    assert.equal(call.path, '/oauth2/introspect');
    assert.equal(call.contentType, 'application/x-www-form-urlencoded');
    assert.equal(call.form.get('token_type_hint'), 'access_token');
    // RFC 6749 2.3.1: id and secret form-encoded, then joined for Basic
    const [id, secret] = Buffer.from(call.authorization!.replace(/^Basic /, ''), 'base64').toString().split(':');
    assert.equal(decodeURIComponent(id!.replace(/\+/g, ' ')), 'gateway');
    assert.equal(decodeURIComponent(secret!.replace(/\+/g, ' ')), CLIENT_SECRET);
  });

  it('takes the end user from sub, else username, else client_id', async () => {
    for (const [claims, user] of [[{ username: 'bob' }, 'bob'], [{ client_id: 'kiosk-app' }, 'kiosk-app']] as const) {
      const t = opaque();
      km.answers.set(t, active({ client_id: undefined, ...claims }));
      assert.equal((await menu(t)).status, 200);
      assert.equal(backend.requests.at(-1)!.headers['x-user'], user);
    }
  });

  it('asks once for a token used again and again (cached by its hash)', async () => {
    const t = opaque();
    km.answers.set(t, active());
    for (let i = 0; i < 5; i++) assert.equal((await menu(t)).status, 200);
    assert.equal(km.callsFor(t), 1);
  });

  it('refuses an inactive or unknown token with 900901, and asks about it again only after inactive_cache_ttl', async () => {
    const t = opaque();
    for (let i = 0; i < 3; i++) {
      const r = await menu(t);
      assert.equal(r.status, 401);
      assert.equal(r.text, INVALID);
    }
    // unknown to corporate-km: partner-km was asked too (opaque tokens go to every key manager), then both remembered the no
    assert.deepEqual(km.calls.filter((c) => c.form.get('token') === t).map((c) => c.path), ['/oauth2/introspect', '/partner/introspect']);
  });

  it('asks one key manager per token however many requests carry it at once', async () => {
    const t = opaque();
    km.answers.set(t, active());
    km.mode = 'hold';
    const replies = Array.from({ length: 10 }, () => menu(t));
    // whatever arrives after the release is a cache hit: only concurrent checks could make a second call
    await new Promise((r) => setTimeout(r, 400));
    km.release();
    for (const r of await Promise.all(replies)) assert.equal(r.status, 200, r.text);
    assert.equal(km.callsFor(t), 1);
  });

  it('refuses an active token without any of the resource scopes with 900910 and 403', async () => {
    const t = opaque();
    km.answers.set(t, active({ scope: 'write:order' }));
    const r = await menu(t);
    assert.equal(r.status, 403);
    assert.match(r.text, /"code":900910/);
  });

  it('refuses what an active answer does not let through: expired, not yet valid, a refresh token, a sender-constrained token', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['expired', active({ exp: now() - 5 })],
      ['not yet valid', active({ nbf: now() + 3600 })],
      ['a refresh token', active({ token_type: 'refresh_token' })],
      ['a DPoP-bound token', active({ token_type: 'DPoP', cnf: { jkt: 'x' } })],
      ['a certificate-bound token', active({ cnf: { 'x5t#S256': 'x' } })],
      ['an exp that is not a number', active({ exp: 'soon' })],
    ];
    const before = backend.requests.length;
    for (const [what, answer] of cases) {
      const t = opaque();
      km.answers.set(t, answer);
      const r = await menu(t);
      assert.equal(r.status, 401, what);
      assert.equal(r.text, INVALID, what);
    }
    assert.equal(backend.requests.length, before);
  });

  it('honours exp on a cached token: admitted until it expires, refused after', async () => {
    const t = opaque();
    km.answers.set(t, active({ exp: now() + 4 }));
    assert.equal((await menu(t)).status, 200);
    await new Promise((r) => setTimeout(r, 5200));
    const r = await menu(t);
    assert.equal(r.status, 401);
    assert.equal(r.text, INVALID);
  });

  it('introspects a JWT of no [[jwt_issuer]] at the key manager bound to its iss, and trusts only the answer', async () => {
    const t = jwtShaped('https://partner.test');
    const refused = await menu(t);
    assert.equal(refused.status, 401);
    assert.deepEqual(km.calls.filter((c) => c.form.get('token') === t).map((c) => c.path), ['/partner/introspect']);
    const u = jwtShaped('https://partner.test');
    km.answers.set(u, active({ sub: 'partner-user', iss: 'https://partner.test' }));
    assert.equal((await menu(u)).status, 200);
    assert.equal(backend.requests.at(-1)!.headers['x-user'], 'partner-user', 'the user comes from the answer, not the unsigned token');
    const v = jwtShaped('https://partner.test');
    km.answers.set(v, active({ iss: 'https://someone-else.test' }));
    assert.equal((await menu(v)).status, 401, 'an answer naming another issuer is refused');
  });

  it('fails closed with 900900 when the key manager refuses the gateway credentials, logs it once, and recovers', async () => {
    km.mode = 'reject';
    const tokens = [opaque(), opaque()];
    for (const t of tokens) {
      km.answers.set(t, active());
      const r = await menu(t);
      assert.equal(r.status, 500);
      assert.equal(r.text, UNAVAILABLE);
    }
    const lines = s.logLines.filter((l) => l.message.includes('MI_API_031'));
    assert.equal(lines.length, 2, 'one line per key manager: both were asked and both refused');
    assert.match(lines[0]!.message, /corporate-km .* answered HTTP 401 \(are client_id and client_secret right\?\)/);
    km.mode = 'ok';
    // a failure is not cached: the same token passes once the key manager answers
    assert.equal((await menu(tokens[0]!)).status, 200);
    assert.ok(s.logLines.some((l) => l.message.includes('[[key_manager]] corporate-km answers again')));
  });

  it('never writes a token or the client secret into the log', () => {
    const tokens = new Set(km.calls.map((c) => c.form.get('token')!));
    assert.ok(tokens.size > 10);
    for (const l of s.logLines) {
      for (const t of tokens) assert.ok(!l.message.includes(t), 'a token in the log');
      assert.ok(!l.message.includes(CLIENT_SECRET));
    }
  });
});
