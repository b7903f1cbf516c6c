import assert from 'node:assert/strict';
import { get } from '../helpers/server.js';
import { TomlUserStore } from '../../src/handlers/toml-user-store.js';
import { useUserStore } from '../../src/handlers/user-store.js';
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
user.password = "bob:pw with colon"

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
    assert.equal((await get(`${s.url}/secured/x`, basic('bob', 'bob:pw with colon'))).status, 200);
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
    assert.equal((await get(`${s.url}/orders-only/x`, basic('bob', 'bob:pw with colon'))).status, 403);
  });

  it('keeps the credentials out of the log', () => {
    assert.ok(!s.logLines.some((l) => l.message.includes('alice-pw')));
  });
});

describe('TomlUserStore', () => {
  const store = TomlUserStore.fromToml({
    internal_apis: {
      users: [
        { user: { name: 'a', password: 'pa', roles: 'x, y' } },
        { user: { name: 'b', password: 'pb', is_admin: true } },
        { user: { name: 'broken' } },
      ],
    },
  });

  it('authenticates in constant time against the listed users only', () => {
    assert.equal(store.authenticate('a', 'pa'), true);
    assert.equal(store.authenticate('a', 'pb'), false);
    assert.equal(store.authenticate('nobody', 'pa'), false);
    assert.equal(store.authenticate('broken', ''), false);
  });

  it('knows roles (comma-separated or arrays) and gives admins the admin role', () => {
    assert.deepEqual(store.rolesOf('a'), ['x', 'y']);
    assert.deepEqual(store.rolesOf('b'), ['admin']);
    assert.deepEqual(store.rolesOf('nobody'), []);
  });

  it('has no built-in user', () => {
    const empty = TomlUserStore.fromToml({});
    assert.equal(empty.authenticate('admin', 'admin'), false);
  });
});

describe('RESTBasicAuthHandler with an installed user store', function () {
  this.timeout(30000);
  let s: ExtServer;
  const asked: string[] = [];

  before(async () => {
    s = await startWithExtensions(
      { 'api/Secured.xml': apiWithHandlers('Secured', '/secured', `<handler class="${BASIC}"><property name="allowedRoles" value="ops"/></handler>`, 'ok') },
      {},
      TOML,
    );
    // what the users and roles work plugs in: an asynchronous store replaces the toml list
    useUserStore(s.runtime, {
      async authenticate(user, password) {
        asked.push(user);
        return user === 'carol' && password === 'from-the-store';
      },
      async rolesOf(user) {
        return user === 'carol' ? ['ops'] : [];
      },
    });
  });
  after(() => s?.close());

  it('authenticates against it', async () => {
    assert.equal((await get(`${s.url}/secured/x`, basic('carol', 'from-the-store'))).text, 'ok');
    assert.equal((await get(`${s.url}/secured/x`, basic('alice', 'alice-pw'))).status, 403);
    assert.deepEqual(asked, ['carol', 'alice']);
  });
});
