import assert from 'node:assert/strict';
import { get } from '../helpers/server.js';
import { FileUserStore } from '../../src/security/auth/file-user-store.js';
import { AuthenticationService } from '../../src/security/auth/authentication-service.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import type { UserStore } from '../../src/security/auth/user-store.js';
import { apiWithHandlers, startWithExtensions, type ExtServer } from './helpers.js';

const BASIC = 'org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler';
const basic = (user: string, password: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') });

const TOML = `[server]
hot_deployment = false

[[internal_apis.users]]
user.name = "alice"
user.password = "alice-pw"
user.roles = ["orders", "reports"]

[[internal_apis.users]]
user.name = "bob"
user.password = "bob:pw:with-colon"

[[internal_apis.users]]
user.name = "root"
user.password = "root-pw"
user.is_admin = true
`;

describe('RESTBasicAuthHandler', function () {
  this.timeout(30000);
  let s: ExtServer;

  before(async () => {
    s = await startWithExtensions(
      {
        'api/Secured.xml': apiWithHandlers('Secured', '/secured', `<handler class="${BASIC}"/>`, 'secret data'),
        'api/Orders.xml': apiWithHandlers('Orders', '/orders-only', `<handler class="${BASIC}"><property name="allowedRoles" value="orders, admin"/></handler>`, 'orders data'),
      },
      {},
      TOML,
    );
  });
  after(() => s?.close());

  it('answers 401 with the Basic challenge and an empty body when the Authorization header is missing', async () => {
    const r = await get(`${s.url}/secured/x`);
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Basic realm="WSO2 EI"');
    assert.equal(r.text, '');
  });

  it('answers 401 to another authentication scheme', async () => {
    const r = await get(`${s.url}/secured/x`, { authorization: 'Bearer abc' });
    assert.equal(r.status, 401);
  });

  it('lets users of [[internal_apis.users]] in with their password (split at the first colon)', async () => {
    assert.equal((await get(`${s.url}/secured/x`, basic('alice', 'alice-pw'))).text, 'secret data');
    assert.equal((await get(`${s.url}/secured/x`, basic('bob', 'bob:pw:with-colon'))).status, 200);
  });

  it('answers 403 with an empty body to a wrong password, an unknown user, or a malformed value', async () => {
    for (const h of [basic('alice', 'wrong'), basic('mallory', 'alice-pw'), basic('alice', ''), { authorization: 'Basic ' + Buffer.from('no-colon').toString('base64') }]) {
      const r = await get(`${s.url}/secured/x`, h);
      assert.equal(r.status, 403, h.authorization);
      assert.equal(r.text, '');
    }
  });

  it('checks allowedRoles (an admin user has the admin role)', async () => {
    assert.equal((await get(`${s.url}/orders-only/x`, basic('alice', 'alice-pw'))).text, 'orders data');
    assert.equal((await get(`${s.url}/orders-only/x`, basic('root', 'root-pw'))).status, 200);
    assert.equal((await get(`${s.url}/orders-only/x`, basic('bob', 'bob:pw:with-colon'))).status, 403);
  });

  it('keeps the credentials out of the log', () => {
    assert.ok(!s.logLines.some((l) => l.message.includes('alice-pw')));
  });
});

describe('FileUserStore', () => {
  const store = FileUserStore.fromToml({
    internal_apis: {
      users: [
        { user: { name: 'a', password: 'pa', roles: 'x, y' } },
        { user: { name: 'b', password: 'pb', is_admin: true } },
        { user: { name: 'broken' } },
      ],
    },
  });

  it('authenticates in constant time against the listed users only, names case-insensitively', async () => {
    assert.equal(await store.verify('a', 'pa'), true);
    assert.equal(await store.verify('A', 'pa'), true);
    assert.equal(await store.verify('a', 'pb'), false);
    assert.equal(await store.verify('nobody', 'pa'), false);
    assert.equal(await store.verify('broken', ''), false);
  });

  it('knows roles (comma-separated or arrays) and gives admins the admin role', async () => {
    assert.deepEqual((await store.user('a'))?.roles, ['x', 'y']);
    assert.deepEqual((await store.user('b'))?.roles, ['admin']);
    assert.equal((await store.user('b'))?.isAdmin, true);
    assert.equal(await store.user('nobody'), undefined);
  });

  it('knows the clear password of its users (for WS-Security PasswordDigest)', () => {
    assert.equal(store.knownPassword('A'), 'pa');
    assert.equal(store.knownPassword('nobody'), undefined);
  });

  it('has no built-in user', async () => {
    const empty = FileUserStore.fromToml({});
    assert.equal(await empty.verify('admin', 'admin'), false);
  });
});

describe('RESTBasicAuthHandler with another user store', function () {
  this.timeout(30000);
  let s: ExtServer;
  const asked: string[] = [];
  let down = false;

  before(async () => {
    s = await startWithExtensions(
      { 'api/Secured.xml': apiWithHandlers('Secured', '/secured', `<handler class="${BASIC}"><property name="allowedRoles" value="ops"/></handler>`, 'ok') },
      {},
      TOML,
    );
    // an asynchronous store (as a database is) replaces the toml list
    const store: UserStore = {
      kind: 'database',
      readOnly: true,
      async verify(user, password) {
        asked.push(user);
        if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        return user === 'carol' && password === 'from-the-store';
      },
      async user(name) {
        return name === 'carol' ? { name: 'carol', roles: ['ops'], isAdmin: false, source: 'database' } : undefined;
      },
      async users() {
        return [];
      },
      async roles() {
        return ['ops'];
      },
    };
    s.runtime.auth = new AuthenticationService([store], { logs: memoryLoggerFactory(), maxFailures: 3 });
  });
  after(() => s?.close());

  it('authenticates against it, and answers again from the cache without asking the store', async () => {
    assert.equal((await get(`${s.url}/secured/x`, basic('carol', 'from-the-store'))).text, 'ok');
    assert.equal((await get(`${s.url}/secured/x`, basic('alice', 'alice-pw'))).status, 403);
    assert.deepEqual(asked, ['carol', 'alice']);
    assert.equal((await get(`${s.url}/secured/x`, basic('Carol', 'from-the-store'))).text, 'ok');
    assert.deepEqual(asked, ['carol', 'alice']);
  });

  it('refuses a user after repeated failures from the same address with 429, even with the right password', async () => {
    for (const pw of ['x1', 'x2', 'x3']) assert.equal((await get(`${s.url}/secured/x`, basic('dave', pw))).status, 403);
    const r = await get(`${s.url}/secured/x`, basic('dave', 'x4'));
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '60');
    assert.match(r.text, /MI_AUTH_002/);
  });

  it('fails closed with 503 when the store cannot be reached', async () => {
    down = true;
    try {
      const r = await get(`${s.url}/secured/x`, basic('erin', 'whatever'));
      assert.equal(r.status, 503);
      assert.match(r.text, /MI_AUTH_001/);
    } finally {
      down = false;
    }
  });
});
