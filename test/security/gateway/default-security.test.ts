/**
 * `[api_security] default = "oauth2"`: an API that declares nothing needs a token, as in API Microgateway,
 * while declarations (an open resource included) are kept; and `mi validate` reports the effective
 * security of every resource of every API with where it comes from.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { MiError } from '../../../src/errors.js';
import { makeHome, MI } from '../../helpers/process.js';
import { rawRequest, startTestServer, SYN, type TestServer } from '../../helpers/server.js';
import { COFFEEBAR_DEFINITION } from './coffeebar-definition.js';

const COFFEEBAR_XML = `<api ${SYN} name="Coffeebar" context="/coffee">
  <resource methods="GET" uri-template="/menu"><inSequence><respond/></inSequence></resource>
  <resource methods="POST" uri-template="/order"><inSequence><respond/></inSequence></resource>
  <resource methods="GET" uri-template="/order/{id}"><inSequence><respond/></inSequence></resource>
  <resource methods="DELETE" uri-template="/menu/{name}"><inSequence><respond/></inSequence></resource>
  <resource methods="GET" uri-template="/stats"><inSequence><respond/></inSequence></resource>
  <resource methods="GET" uri-template="/health"><inSequence><respond/></inSequence></resource>
  <resource methods="GET PUT" uri-template="/specials"><inSequence><respond/></inSequence></resource>
  <resource methods="GET" uri-template="/staff"><security><basic_auth roles="barista"/></security><inSequence><respond/></inSequence></resource>
</api>`;

describe('[api_security] default = "oauth2" and the security mi validate reports', function () {
  this.timeout(60000);
  let s: TestServer;
  let token: string;
  let issuerToml: string;

  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    token = await new SignJWT({ sub: 'guest' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://idp').setExpirationTime('10m').sign(pair.privateKey);
    issuerToml = `[[jwt_issuer]]\nissuer = "https://idp"\ncertificate = '''\n${await exportSPKI(pair.publicKey)}'''\n`;
    s = await startTestServer(
      {
        'api/Plain.xml': `<api ${SYN} name="Plain" context="/plain">
          <resource methods="GET" uri-template="/"><inSequence><respond/></inSequence></resource>
          <resource methods="GET" uri-template="/ping"><security auth="none"/><inSequence><respond/></inSequence></resource>
        </api>`,
        'api/Basic.xml': `<api ${SYN} name="Basic" context="/basic"><security><basic_auth/></security><resource methods="GET" uri-template="/"><inSequence><respond/></inSequence></resource></api>`,
      },
      `[server]\nhot_deployment = false\n\n[api_security]\ndefault = "oauth2"\n\n${issuerToml}`,
    );
  });
  after(async () => s?.close());

  const call = (path: string, authorization?: string) => rawRequest(`${s.url}${path}`, { method: 'GET', headers: authorization ? { authorization } : {} });

  it('asks a token of an API that declares nothing, and admits a valid one', async () => {
    const none = await call('/plain/');
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.text).fault.code, 900902);
    assert.equal((await call('/plain/', `Bearer ${token}`)).status, 200);
    assert.equal((await call('/plain/nothing-here')).status, 401, 'a path of the API that matches no resource is guarded too');
  });

  it('keeps what an API declares: an open resource stays open, Basic auth stays Basic auth', async () => {
    assert.equal((await call('/plain/ping')).status, 200);
    const basic = await call('/basic/', `Bearer ${token}`);
    assert.equal(JSON.parse(basic.text).fault.code, 900902, 'a token is no credential for a Basic-only API');
  });

  it('refuses a default other than none and oauth2 at start (MI_API_003)', async () => {
    try {
      const t = await startTestServer({}, '[api_security]\ndefault = "basic"\n');
      await t.close();
      assert.fail('started');
    } catch (err) {
      assert.ok(err instanceof MiError, String(err));
      assert.equal(err.code, 'MI_API_003');
      assert.match(err.message, /default/);
    }
  });

  it('mi validate prints each resource with what it accepts and where that is declared', () => {
    const h = makeHome(
      {
        'api/Coffeebar.xml': COFFEEBAR_XML,
        'api/Coffeebar_swagger.yaml': COFFEEBAR_DEFINITION,
        'api/Plain.xml': `<api ${SYN} name="Plain" context="/plain"><resource methods="GET" uri-template="/"><inSequence><respond/></inSequence></resource></api>`,
      },
      { 'deployment.toml': `[api_security]\ndefault = "oauth2"\n\n[api_security.scope_roles]\nadmin = ["barista"]\n\n${issuerToml}` },
    );
    try {
      const r = spawnSync(process.execPath, [MI, 'validate', '--home', h], { encoding: 'utf8', cwd: h });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const lines = r.stdout.split('\n').filter((l) => l.startsWith('security  '));
      assert.deepEqual(lines, [
        'security  API Coffeebar  GET /menu  oauth2 (scopes: read:menu)  (OpenAPI paths./menu.get.security)',
        'security  API Coffeebar  POST /order  oauth2 (scopes: write:order)  (OpenAPI paths./order.post.security)',
        'security  API Coffeebar  GET /order/{id}  oauth2 (scopes: read:order)  (OpenAPI paths./order/{orderId}.get.security)',
        'security  API Coffeebar  DELETE /menu/{name}  oauth2 (scopes: admin)  (OpenAPI paths./menu/{item}.delete.security)',
        'security  API Coffeebar  GET /stats  basic_auth (scopes: admin)  (OpenAPI paths./stats.get.security)',
        'security  API Coffeebar  GET /health  open  (OpenAPI paths./health.get.security)',
        'security  API Coffeebar  GET /specials  open  (OpenAPI paths./specials.get.security)',
        'security  API Coffeebar  PUT /specials  oauth2 (scopes: admin)  (OpenAPI paths./specials.put.security)',
        'security  API Coffeebar  GET /staff  basic_auth (roles: barista)  (XML <resource>)',
        'security  API Plain  GET /  oauth2  (default)',
      ]);
      assert.match(r.stdout, /2 artifacts valid, 0 errors, 0 warnings/);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });
});
