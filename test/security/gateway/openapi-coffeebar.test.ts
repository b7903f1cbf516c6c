/**
 * API Microgateway's Coffeebar, end to end, with its security written in an OpenAPI definition beside the
 * API (`Coffeebar_swagger.yaml`), not in the XML: oauth2 scopes per operation (read:menu, write:order,
 * read:order, admin), four tokens, every cell of the token x resource table over real HTTP; one operation on
 * Basic auth (a scope from the user's roles), one open operation, and one resource whose own XML
 * <security> wins over the definition.
 */
import assert from 'node:assert/strict';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { rawRequest, startBackend, startTestServer, SYN, type Backend, type TestServer } from '../../helpers/server.js';
import { COFFEEBAR_DEFINITION } from './coffeebar-definition.js';

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');


describe('API security from an OpenAPI definition: the Coffeebar scenario', function () {
  this.timeout(60000);
  let s: TestServer;
  let backend: Backend;
  const tokens: Record<string, string> = {};

  before(async () => {
    const pair = await generateKeyPair('PS256', { extractable: true });
    const key: CryptoKey = pair.privateKey;
    const sign = (scope: string | undefined) =>
      new SignJWT(scope === undefined ? { sub: 'guest' } : { sub: 'guest', scope })
        .setProtectedHeader({ alg: 'PS256' })
        .setIssuer('https://coffee.idp')
        .setAudience('coffeebar')
        .setExpirationTime('10m')
        .sign(key);
    tokens['no scope'] = await sign(undefined);
    tokens['order scopes'] = await sign('write:order read:order');
    tokens['menu scope'] = await sign('read:menu');
    tokens['admin'] = await sign('admin');
    backend = await startBackend();
    const seq = `<inSequence><header name="X-User" scope="transport" expression="get-property('api.ut.userId')"/><send><endpoint><address uri="${backend.url}/kitchen"/></endpoint></send></inSequence>`;
    s = await startTestServer(
      {
        'api/Coffeebar.xml': `<api ${SYN} name="Coffeebar" context="/coffee">
          <resource methods="GET" uri-template="/menu">${seq}</resource>
          <resource methods="POST" uri-template="/order">${seq}</resource>
          <resource methods="GET" uri-template="/order/{id}">${seq}</resource>
          <resource methods="DELETE" uri-template="/menu/{name}">${seq}</resource>
          <resource methods="GET" uri-template="/stats">${seq}</resource>
          <resource methods="GET" uri-template="/health">${seq}</resource>
          <resource methods="GET PUT" uri-template="/specials">${seq}</resource>
          <resource methods="GET" uri-template="/staff"><security><basic_auth roles="barista"/></security>${seq}</resource>
        </api>`,
        'api/Coffeebar_swagger.yaml': COFFEEBAR_DEFINITION,
      },
      `[server]
hot_deployment = false

[api_security.scope_roles]
admin = ["barista"]

[[jwt_issuer]]
issuer = "https://coffee.idp"
audience = ["coffeebar"]
certificate = '''
${await exportSPKI(pair.publicKey)}'''
algorithms = ["PS256"]

[[internal_apis.users]]
user.name = "barbara"
user.password = "barbara-pw-1"
user.roles = ["barista"]

[[internal_apis.users]]
user.name = "carl"
user.password = "carl-pw-12"
user.roles = ["customer"]
`,
    );
    const problems = s.logLines.filter((l) => (l.level === 'ERROR' || l.level === 'WARN') && !l.message.startsWith('MI_MGT_009')).map((l) => l.message);
    assert.deepEqual(problems, [], 'the API and its definition deploy cleanly');
  });
  after(async () => {
    await s?.close();
    await backend?.close();
  });

  const call = (method: string, path: string, authorization?: string) =>
    rawRequest(`${s.url}/coffee${path}`, { method, headers: authorization ? { authorization, 'content-type': 'application/json' } : { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });

  const resources: [string, string, string][] = [
    ['GET', '/menu', '/menu'],
    ['POST', '/order', '/order'],
    ['GET', '/order/42', '/order/{id}'],
    ['DELETE', '/menu/latte', '/menu/{name}'],
  ];
  const allowed: Record<string, string[]> = {
    'no scope': [],
    'order scopes': ['POST /order', 'GET /order/42'],
    'menu scope': ['GET /menu'],
    admin: ['DELETE /menu/latte'],
  };

  for (const who of Object.keys(allowed)) {
    it(`token with ${who}: every resource answers as the definition says`, async () => {
      for (const [method, path, template] of resources) {
        const cell = `${method} ${path}`;
        const before = backend.requests.length;
        const r = await call(method, path, `Bearer ${tokens[who]}`);
        if (allowed[who]!.includes(cell)) {
          assert.equal(r.status, 200, `${who} x ${cell}: ${r.text}`);
          assert.equal(backend.requests.length, before + 1);
          assert.equal(backend.requests.at(-1)!.headers['x-user'], 'guest');
        } else {
          assert.equal(r.status, 403, `${who} x ${cell}: ${r.text}`);
          assert.deepEqual(JSON.parse(r.text), {
            fault: { code: 900910, message: 'The access token does not allow you to access the requested resource', description: `User is NOT authorized to access the Resource: ${template}. Scope validation failed.` },
          });
          assert.equal(backend.requests.length, before, `${who} x ${cell} reached the backend`);
        }
      }
    });
  }

  it('refuses every secured resource without a token (900902) and with a forged one (900901)', async () => {
    for (const [method, path] of resources) {
      const none = await call(method, path);
      assert.equal(none.status, 401);
      assert.equal(JSON.parse(none.text).fault.code, 900902);
      assert.equal(none.headers['www-authenticate'], 'OAuth2 realm="WSO2 API Manager", error="invalid_token", error_description="The provided token is invalid"');
      const forged = await call(method, path, `Bearer ${tokens['admin']!.slice(0, -4)}AAAA`);
      assert.equal(JSON.parse(forged.text).fault.code, 900901);
    }
  });

  it('admits a Basic-auth user whose role gives the operation\'s scope, and refuses one whose roles do not', async () => {
    const barbara = await call('GET', '/stats', basic('barbara', 'barbara-pw-1'));
    assert.equal(barbara.status, 200, barbara.text);
    assert.equal(backend.requests.at(-1)!.headers['x-user'], 'barbara');
    const carl = await call('GET', '/stats', basic('carl', 'carl-pw-12'));
    assert.equal(carl.status, 403);
    assert.equal(JSON.parse(carl.text).fault.code, 900910);
    const token = await call('GET', '/stats', `Bearer ${tokens['admin']}`);
    assert.equal(JSON.parse(token.text).fault.code, 900902, 'a token is no credential for a Basic-only operation');
  });

  it('leaves an operation with security: [] open, though the definition secures everything else', async () => {
    const r = await call('GET', '/health');
    assert.equal(r.status, 200, r.text);
  });

  it('secures the methods of one resource as their operations say: GET open, PUT for admins', async () => {
    assert.equal((await call('GET', '/specials')).status, 200);
    const none = await call('PUT', '/specials');
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.text).fault.code, 900902);
    assert.equal(JSON.parse((await call('PUT', '/specials', `Bearer ${tokens['menu scope']}`)).text).fault.code, 900910);
    assert.equal((await call('PUT', '/specials', `Bearer ${tokens['admin']}`)).status, 200);
  });

  it("lets the resource's own XML <security> win over the definition's operation", async () => {
    assert.equal((await call('GET', '/staff', basic('barbara', 'barbara-pw-1'))).status, 200);
    const admin = await call('GET', '/staff', `Bearer ${tokens['admin']}`);
    assert.equal(admin.status, 401, 'the oauth2 of the definition is replaced by basic_auth');
    assert.equal(JSON.parse(admin.text).fault.code, 900902);
  });

  it('serves the definition as written at ?swagger.yaml and as JSON at ?swagger.json, by name and by context, without a token', async () => {
    const yaml = await rawRequest(`${s.url}/Coffeebar?swagger.yaml`, { method: 'GET' });
    assert.equal(yaml.status, 200);
    assert.equal(yaml.headers['content-type'], 'application/x-yaml');
    assert.equal(yaml.text, COFFEEBAR_DEFINITION);
    const json = await rawRequest(`${s.url}/coffee?swagger.json`, { method: 'GET' });
    assert.equal(json.status, 200);
    assert.equal(json.headers['content-type'], 'application/json');
    const doc = JSON.parse(json.text);
    assert.deepEqual(doc.paths['/menu'].get.security, [{ coffee_auth: ['read:menu'] }]);
    assert.equal(doc.components.securitySchemes.basicAuth.scheme, 'basic');
  });
});
