/**
 * Management API authentication over real HTTP on loopback: login with Basic, Bearer tokens everywhere
 * else, 401 for missing / malformed / expired / revoked / evicted tokens, 403 for non-admins on admin
 * resources, 429 after too many failures, Basic on every call with the JWT handler off, and CORS.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer, type Server } from '../../src/main.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { needService, testDatabase, type TestDatabase } from '../helpers/databases.js';
import { makeHome } from '../helpers/process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN, USERS_TOML, VIEWER, basic, login, mgmt } from './client.js';

const BASE = '[server]\nhot_deployment = false\n';

describe('management API authentication', function () {
  this.timeout(30_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({}, BASE + USERS_TOML + '\n[authentication]\nmax_failures = 3\nfailure_window = 30\n');
  });
  after(async () => s?.close());

  it('serves plain HTTP on 127.0.0.1 only without a key store, and says so with MI_MGT_009', () => {
    assert.match(s.managementUrl!, /^http:\/\/127\.0\.0\.1:\d+\/management$/);
    const warn = s.logLines.find((l) => l.level === 'WARN' && l.message.startsWith('MI_MGT_009'));
    assert.ok(warn, 'a warning about plain HTTP');
    assert.match(warn.message, /127\.0\.0\.1/);
  });

  it('GET /login with Basic credentials answers {"AccessToken": <JWT>} valid for 3600 s', async () => {
    const r = await mgmt(s, '/login', { auth: basic(ADMIN.name, ADMIN.password) });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['AccessToken']);
    const [header, payload] = (r.body.AccessToken as string).split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));
    assert.equal(header.alg, 'HS256', 'no key store: a per-process HMAC key');
    assert.equal(payload.sub, ADMIN.name);
    assert.equal(payload.exp - payload.iat, 3600);
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  it('a token opens the other resources; without one they answer 401 with a JSON error', async () => {
    const token = await login(s);
    assert.equal((await mgmt(s, '/apis', { token })).status, 200);
    const none = await mgmt(s, '/apis');
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 'MI_MGT_001');
    assert.match(none.body.Error, /Bearer/);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    // Basic credentials are for /login only while the JWT handler is on
    assert.equal((await mgmt(s, '/apis', { auth: basic(ADMIN.name, ADMIN.password) })).status, 401);
    assert.equal((await mgmt(s, '/apis', { token: 'not.a.jwt' })).status, 401);
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await mgmt(s, '/apis', { token: forged })).status, 401);
    // unknown resources do not answer strangers either
    assert.equal((await mgmt(s, '/no-such-thing')).status, 401);
    assert.equal((await mgmt(s, '/no-such-thing', { token })).status, 404);
  });

  it('a wrong password gets 401 without telling whether the user exists', async () => {
    const wrong = await mgmt(s, '/login', { auth: basic(ADMIN.name, 'nope') });
    const nobody = await mgmt(s, '/login', { auth: basic('nobody', 'nope') });
    assert.equal(wrong.status, 401);
    assert.equal(nobody.status, 401);
    assert.equal(wrong.body.Error, nobody.body.Error);
    assert.equal(wrong.body.code, 'MI_MGT_001');
    assert.equal(wrong.headers.get('www-authenticate'), 'Basic realm="WSO2 EI"');
    assert.equal((await mgmt(s, '/login')).status, 401);
  });

  it('GET /logout revokes the token it came with, and only that one', async () => {
    const t1 = await login(s);
    const t2 = await login(s);
    const out = await mgmt(s, '/logout', { token: t1 });
    assert.equal(out.status, 200);
    const again = await mgmt(s, '/server', { token: t1 });
    assert.equal(again.status, 401);
    assert.match(again.body.Error, /revoked/);
    assert.equal((await mgmt(s, '/server', { token: t2 })).status, 200);
  });

  it('/users and /roles need the admin role: 403 for another user, who can still read artifacts', async () => {
    const token = await login(s, VIEWER);
    const users = await mgmt(s, '/users', { token });
    assert.equal(users.status, 403);
    assert.equal(users.body.code, 'MI_MGT_002');
    assert.match(users.body.Error, /viewer.*admin/);
    assert.equal((await mgmt(s, '/roles', { token })).status, 403);
    assert.equal((await mgmt(s, '/users', { token, method: 'POST', body: { userId: 'x1234', password: 'secret-1' } })).status, 403);
    assert.equal((await mgmt(s, '/apis', { token })).status, 200);
    assert.equal((await mgmt(s, '/users', { token: await login(s) })).status, 200);
  });

  it('too many wrong passwords from one address answer 429 with Retry-After, even with the right one', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await mgmt(s, '/login', { auth: basic(VIEWER.name, `wrong-${i}`) })).status, 401);
    const limited = await mgmt(s, '/login', { auth: basic(VIEWER.name, VIEWER.password) });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.code, 'MI_MGT_003');
    assert.equal(limited.headers.get('retry-after'), '30');
    // other users are not affected
    assert.equal((await mgmt(s, '/login', { auth: basic(ADMIN.name, ADMIN.password) })).status, 200);
  });

  it('answers CORS preflights without credentials, as Micro Integrator (*, Authorization, Content-Type)', async () => {
    const r = await fetch(`${s.managementUrl}/apis`, { method: 'OPTIONS', headers: { origin: 'https://console.example', 'access-control-request-method': 'GET' } });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.equal(r.headers.get('access-control-allow-headers'), 'Authorization, Content-Type');
    assert.match(r.headers.get('access-control-allow-methods')!, /PATCH/);
    const denied = await mgmt(s, '/apis');
    assert.equal(denied.headers.get('access-control-allow-origin'), '*', 'error replies carry CORS headers too');
  });

  it('keeps no secret in a log line', () => {
    const all = s.logLines.map((l) => l.message).join('\n');
    assert.ok(!all.includes(ADMIN.password) && !all.includes(VIEWER.password));
    assert.match(all, /user 'admin' logged in/);
  });
});

describe('management API tokens: expiry', function () {
  this.timeout(30_000);
  let s: TestServer;
  before(async () => {
    // 3 s, not 1: the token must still be good for the first call on a slow machine (exp has whole seconds)
    s = await startTestServer({}, BASE + USERS_TOML + '\n[management_api.jwt_token_security_handler]\ntoken_config.expiry = "3"\n');
  });
  after(async () => s?.close());

  it('an expired token gets 401', async () => {
    const token = await login(s);
    assert.equal((await mgmt(s, '/server', { token })).status, 200);
    await new Promise((r) => setTimeout(r, 4100));
    const r = await mgmt(s, '/server', { token });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'MI_MGT_001');
  });

});

describe('management API tokens: the bounded store', function () {
  this.timeout(30_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({}, BASE + USERS_TOML + '\n[management_api.jwt_token_security_handler]\ntoken_store_config.max_size = "2"\n');
  });
  after(async () => s?.close());

  it('a full store drops the least recently used token', async () => {
    const a = await login(s);
    const b = await login(s);
    assert.equal((await mgmt(s, '/server', { token: a })).status, 200); // a is now the most recent
    const c = await login(s);
    assert.equal((await mgmt(s, '/server', { token: b })).status, 401, 'b fell out');
    assert.equal((await mgmt(s, '/server', { token: a })).status, 200);
    assert.equal((await mgmt(s, '/server', { token: c })).status, 200);
  });
});

describe('management API with the JWT handler off', function () {
  this.timeout(30_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({}, BASE + USERS_TOML + '\n[management_api.jwt_token_security_handler]\nenable = false\n');
  });
  after(async () => s?.close());

  it('takes Basic credentials on every call and refuses calls without them', async () => {
    assert.equal((await mgmt(s, '/apis', { auth: basic(ADMIN.name, ADMIN.password) })).status, 200);
    const none = await mgmt(s, '/apis');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Basic realm="WSO2 EI"');
    assert.equal((await mgmt(s, '/apis', { auth: basic(ADMIN.name, 'wrong') })).status, 401);
    assert.equal((await mgmt(s, '/users', { auth: basic(VIEWER.name, VIEWER.password) })).status, 403);
  });

  it('has no /login, as Micro Integrator', async () => {
    const r = await mgmt(s, '/login', { auth: basic(ADMIN.name, ADMIN.password) });
    assert.equal(r.status, 400);
    assert.match(r.body.Error, /only when JWT based auth handler is engaged/);
  });
});

describe('management API switched off', function () {
  it('[management_api] enable = false starts no management listener', async () => {
    const s = await startTestServer({}, BASE + '[management_api]\nenable = false\n');
    try {
      assert.equal(s.managementUrl, undefined);
      assert.equal(s.managementPort, undefined);
    } finally {
      await s.close();
    }
  });
});

describe('management API when the user store goes away', function () {
  this.timeout(30_000);
  let t: TestDatabase | undefined;
  let s: Server | undefined;
  let home: string | undefined;
  before(async function () {
    await needService(this, 'postgres');
    t = await testDatabase('postgres');
  });
  after(async () => {
    await s?.stop();
    await t?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('fails closed: 503 with MI_MGT_004 for a database user, while file users still log in', async () => {
    home = makeHome({}, { 'deployment.toml': BASE + USERS_TOML + t!.toml });
    s = await startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, managementPort: 0, host: '127.0.0.1' });
    const admin = await login(s);
    assert.equal((await mgmt(s, '/users', { token: admin, method: 'POST', body: { userId: 'dbuser', password: 'Dbuser-pw1' } })).status, 200);
    await login(s, { name: 'dbuser', password: 'Dbuser-pw1' });
    await t!.fresh!.drop(); // the database loses the schema under the running server
    const r = await mgmt(s, '/login', { auth: basic('dbuser', 'other-pw1') });
    assert.equal(r.status, 503);
    assert.equal(r.body.code, 'MI_MGT_004');
    assert.equal((await mgmt(s, '/login', { auth: basic(ADMIN.name, ADMIN.password) })).status, 200, 'the file store still answers');
    assert.equal((await mgmt(s, '/users', { token: admin })).status, 503);
  });
});
