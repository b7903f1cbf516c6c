/**
 * API Microgateway's Coffeebar: scopes per resource, four tokens, every cell of the token x resource table;
 * one resource on Basic auth with a scope mapped from roles; and `[api_security] scope_fault_status = 401`
 * as the Microgateway answers a scope mismatch.
 */
import assert from 'node:assert/strict';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { rawRequest, startBackend, startTestServer, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

describe('API security: the Coffeebar scenario', function () {
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
    const seq = `<inSequence><header name="X-User" scope="transport" expression="get-property('api.ut.userId')"/><header name="X-Scopes" scope="transport" expression="get-property('Scopes')"/><send><endpoint><address uri="${backend.url}/kitchen"/></endpoint></send></inSequence>`;
    s = await startTestServer(
      {
        'api/Coffeebar.xml': `<api ${SYN} name="Coffeebar" context="/coffee">
          <resource methods="GET" uri-template="/menu"><security><oauth2 scopes="read:menu"/></security>${seq}</resource>
          <resource methods="POST" uri-template="/order"><security><oauth2 scopes="write:order"/></security>${seq}</resource>
          <resource methods="GET" uri-template="/order/{orderId}"><security><oauth2 scopes="read:order"/></security>${seq}</resource>
          <resource methods="DELETE" uri-template="/menu/{item}"><security><oauth2 scopes="admin"/></security>${seq}</resource>
          <resource methods="GET" uri-template="/stats"><security><basic_auth scopes="admin"/></security>${seq}</resource>
          <resource methods="GET" uri-template="/staff"><security><basic_auth roles="barista"/><oauth2 scopes="admin"/></security>${seq}</resource>
        </api>`,
      },
      `[server]
hot_deployment = false

[api_security]
scope_fault_status = 401

[api_security.scope_roles]
admin = ["barista"]

[[jwt_issuer]]
issuer = "https://coffee.idp"
audience = ["coffeebar", "tea"]
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
    ['GET', '/order/42', '/order/{orderId}'],
    ['DELETE', '/menu/latte', '/menu/{item}'],
  ];
  // the resource a token may call (any of the resource's scopes admits, as API Manager checks them)
  const allowed: Record<string, string[]> = {
    'no scope': [],
    'order scopes': ['POST /order', 'GET /order/42'],
    'menu scope': ['GET /menu'],
    admin: ['DELETE /menu/latte'],
  };

  for (const who of Object.keys(allowed)) {
    it(`token with ${who}: every resource answers as the table says`, async () => {
      for (const [method, path, template] of resources) {
        const cell = `${method} ${path}`;
        const before = backend.requests.length;
        const r = await call(method, path, `Bearer ${tokens[who]}`);
        if (allowed[who]!.includes(cell)) {
          assert.equal(r.status, 200, `${who} x ${cell}: ${r.text}`);
          assert.equal(backend.requests.length, before + 1);
        } else {
          assert.equal(r.status, 401, `${who} x ${cell} (scope_fault_status = 401)`);
          const fault = JSON.parse(r.text).fault;
          assert.equal(fault.code, 900910, cell);
          assert.equal(fault.description, `User is NOT authorized to access the Resource: ${template}. Scope validation failed.`);
          assert.equal(backend.requests.length, before, `${who} x ${cell} reached the backend`);
        }
      }
    });
  }

  it('admits a Basic-auth user whose role holds the scope, and hands on the user and the scopes', async () => {
    const r = await call('GET', '/stats', basic('barbara', 'barbara-pw-1'));
    assert.equal(r.status, 200, r.text);
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.headers['x-user'], 'barbara');
    assert.equal(seen.headers['x-scopes'], '[admin]');
    assert.equal(seen.headers['authorization'], undefined);
  });

  it('refuses a Basic-auth user without the scope (900910), a wrong password (900901) and no credentials (900902)', async () => {
    const noScope = await call('GET', '/stats', basic('carl', 'carl-pw-12'));
    assert.equal(noScope.status, 401);
    assert.equal(JSON.parse(noScope.text).fault.code, 900910);
    const wrong = await call('GET', '/stats', basic('barbara', 'not-her-password'));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Basic realm="WSO2 API Manager", error="invalid_token", error_description="The provided token is invalid"');
    assert.equal(JSON.parse(wrong.text).fault.code, 900901);
    const token = await call('GET', '/stats', `Bearer ${tokens['admin']}`);
    assert.equal(JSON.parse(token.text).fault.code, 900902, 'a bearer token is no credential for a Basic-only resource');
  });

  it('accepts either scheme where both are declared, and refuses a user without the role with 900908 and 403', async () => {
    assert.equal((await call('GET', '/staff', basic('barbara', 'barbara-pw-1'))).status, 200);
    assert.equal((await call('GET', '/staff', `Bearer ${tokens['admin']}`)).status, 200);
    const carl = await call('GET', '/staff', basic('carl', 'carl-pw-12'));
    assert.equal(carl.status, 403);
    assert.deepEqual(JSON.parse(carl.text), {
      fault: { code: 900908, message: 'Resource forbidden ', description: 'User is NOT authorized to access the Resource: /staff. Role validation failed.' },
    });
    const none = await call('GET', '/staff');
    assert.equal(none.headers['www-authenticate'], 'OAuth2 realm="WSO2 API Manager", Basic realm="WSO2 API Manager", error="invalid_token", error_description="The provided token is invalid"');
  });
});
