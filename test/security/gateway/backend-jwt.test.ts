/**
 * The JWT to the backend ([apim.jwt]) end to end: the primary key is made by openssl, the runtime admits
 * callers by oauth2 (a JWT of a [[jwt_issuer]]), Basic auth and an API key, and a real backend on loopback
 * verifies the X-JWT-Assertion it receives with jose against the JWKS it fetched from GET /management/jwks
 * (over HTTPS, trusting the openssl certificate, without logging in). A JWT signed with another key or
 * with claims changed is refused by that same backend.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, exportSPKI, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JSONWebKeySet, type JWTPayload } from 'jose';
import { get, startBackend, startTestServer, SYN, type Backend, type TestServer } from '../../helpers/server.js';
import { MI } from '../../helpers/process.js';
import { readBackendJwtConfig } from '../../../src/security/gateway/backend-jwt-config.js';
import { BackendJwt } from '../../../src/security/gateway/backend-jwt.js';
import { PrimaryKeyStore } from '../../../src/security/keys/primary-keystore.js';
import { MiError } from '../../../src/errors.js';

const SUBJECT = '/C=US/ST=CA/L=Mountain View/O=WSO2/OU=WSO2/CN=localhost';
const SERIAL = '1677089283';
/** The kid of API Manager's documentation sample, for a certificate with this issuer and serial. */
const DOC_KID = 'Q049bG9jYWxob3N0LCBPVT1XU08yLCBPPVdTTzIsIEw9TW91bnRhaW4gVmlldywgU1Q9Q0EsIEM9VVMjMTY3NzA4OTI4Mw';
const D = 'http://wso2.org/claims/';

function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version']).status === 0;
}

/** An RSA key and a self-signed certificate made by openssl, as PEM files; and its SHA-1 fingerprint by openssl. */
function opensslKeyPair(dir: string): { cert: string; key: string; certPem: string; sha1Hex: string } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', SUBJECT, '-days', '2', '-set_serial', SERIAL, '-keyout', key, '-out', cert], { stdio: 'pipe' });
  const fp = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha1'], { encoding: 'utf8' });
  return { cert, key, certPem: readFileSync(cert, 'utf8'), sha1Hex: fp.split('=')[1]!.trim().replace(/:/g, '').toLowerCase() };
}

function httpsJson(url: string, ca: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, servername: 'localhost' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      })
      .on('error', reject);
  });
}

/**
 * The backend a user would write: it trusts the JWKS it was given and answers 200 with the verified
 * claims, or 401 with why it refused.
 */
async function verifyingBackend(jwks: () => JSONWebKeySet | undefined): Promise<Backend> {
  return startBackend((req, _body, res) => {
    const assertion = req.headers['x-jwt-assertion'];
    const keys = jwks();
    if (typeof assertion !== 'string' || keys === undefined) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'no assertion' }));
      return;
    }
    jwtVerify(assertion, createLocalJWKSet(keys), { issuer: 'wso2.org/products/am', algorithms: ['RS256'] }).then(
      ({ payload }) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      },
      (err: Error) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: err.message }));
      },
    );
  });
}

const now = () => Math.floor(Date.now() / 1000);
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

describe('JWT to the backend ([apim.jwt])', function () {
  this.timeout(90000);
  let dir: string;
  let pair: ReturnType<typeof opensslKeyPair>;
  let idpKey: CryptoKey;
  let idpSpki: string;

  before(async function () {
    if (!hasOpenssl()) {
      if (process.env['REQUIRE_SERVICES'] === '1') throw new Error('openssl is required (REQUIRE_SERVICES=1) but not found');
      console.log('      (skipped: openssl is not installed; set REQUIRE_SERVICES=1 to make this a failure)');
      this.skip();
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'mi-bjwt-'));
    pair = opensslKeyPair(dir);
    const idp = await generateKeyPair('RS256', { extractable: true });
    idpKey = idp.privateKey;
    idpSpki = await exportSPKI(idp.publicKey);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const keystoreToml = () => `[keystore.primary]\nfile_name = ${JSON.stringify(pair.cert)}\nkey_file = ${JSON.stringify(pair.key)}\ntype = "PEM"\n`;

  const issuerToml = () => `[[jwt_issuer]]
issuer = "https://idp.test"
certificate = '''
${idpSpki}'''
algorithms = ["RS256"]
`;

  const token = (claims: JWTPayload = {}) =>
    new SignJWT({ sub: 'alice', scope: 'read:menu', client_id: 'coffee-app', azp: 'coffee-app', department: 'sales', secret_note: 'x', ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
      .setIssuer('https://idp.test')
      .setAudience('coffeebar')
      .setIssuedAt()
      .setExpirationTime(now() + 600)
      .sign(idpKey);

  const usersToml = `[[internal_apis.users]]
user.name = "barbara"
user.password = "barbara-pw-1"
user.roles = ["barista", "staff"]

[api_security.scope_roles]
admin = ["barista"]
`;

  describe('signed (SHA256withRSA, base64url), checked by a backend with jose', () => {
    let s: TestServer;
    let backend: Backend;
    let jwks: JSONWebKeySet | undefined;
    let apiKey: string;

    before(async () => {
      backend = await verifyingBackend(() => jwks);
      const send = `<send><endpoint><address uri="${backend.url}/verify"/></endpoint></send>`;
      s = await startTestServer(
        {
          'api/Coffee.xml': `<api ${SYN} name="Coffee" context="/coffee" version="1.0.0" version-type="url">
            <security><oauth2/><basic_auth/><api_key/></security>
            <resource methods="GET" uri-template="/menu"><inSequence>${send}</inSequence></resource>
            <resource methods="GET" uri-template="/orders/{id}"><inSequence>${send}</inSequence></resource>
            <resource methods="GET" uri-template="/twice"><inSequence>
              <call><endpoint><address uri="${backend.url}/first"/></endpoint></call>
              ${send}</inSequence></resource>
            <resource methods="GET" uri-template="/seen"><inSequence>
              <payloadFactory media-type="json"><format>{"caller":"$1","jwt":"$2"}</format>
                <args><arg expression="get-property('api.ut.userId')"/><arg expression="get-property('transport', 'X-JWT-Assertion')"/></args></payloadFactory>
              <respond/></inSequence></resource>
          </api>`,
        },
        `[server]\nhot_deployment = false\n\n${keystoreToml()}\n${issuerToml()}\n${usersToml}
[apim.jwt]
enable = true
encoding = "base64url"
enable_user_claims = true

[apim.jwt.gateway_generator]
excluded_claims = ["secret_note"]

[apim.jwt.custom_claims]
"http://wso2.org/claims/environment" = "test"
`,
      );
      const r = spawnSync(process.execPath, [MI, 'api-key', 'issue', '--api', 'Coffee', '--name', 'ci-bot', '--home', s.home], { encoding: 'utf8', timeout: 60000 });
      assert.equal(r.status, 0, r.stderr);
      apiKey = r.stdout.trim().split('\n').pop()!.trim();
      const got = await httpsJson(`${s.managementUrl}/jwks`, pair.certPem);
      assert.equal(got.status, 200);
      jwks = got.body as JSONWebKeySet;
    });
    after(async () => {
      await s?.close();
      await backend?.close();
    });

    it('serves the public key as a JWKS without a login, with the kid API Manager gives this certificate', () => {
      assert.equal(jwks!.keys.length, 1);
      const k = jwks!.keys[0]!;
      assert.deepEqual([k.kty, k.alg, k.use, k.kid, k.e], ['RSA', 'RS256', 'sig', DOC_KID, 'AQAB']);
      assert.equal('d' in k, false, 'no private part');
    });

    it('sends an oauth2 caller a signed JWT the backend verifies, with API Manager claims and the token claims', async () => {
      const r = await get(`${s.url}/coffee/1.0.0/menu`, { authorization: `Bearer ${await token()}` });
      assert.equal(r.status, 200, r.text);
      const claims = JSON.parse(r.text) as Record<string, unknown>;
      assert.equal(claims['iss'], 'wso2.org/products/am');
      assert.equal(claims[`${D}apiname`], 'Coffee');
      assert.equal(claims[`${D}apicontext`], '/coffee/1.0.0');
      assert.equal(claims[`${D}version`], '1.0.0');
      assert.equal(claims[`${D}keytype`], 'PRODUCTION');
      assert.equal(claims[`${D}usertype`], 'Application_User');
      assert.equal(claims[`${D}enduser`], 'alice@carbon.super');
      assert.equal(claims[`${D}enduserTenantId`], '-1234');
      assert.equal(claims[`${D}resource`], '/menu');
      assert.equal(claims[`${D}environment`], 'test');
      assert.equal(claims['sub'], 'alice');
      assert.equal(claims['scope'], 'read:menu');
      assert.equal(claims['client_id'], 'coffee-app');
      assert.equal(claims['department'], 'sales');
      assert.equal('secret_note' in claims, false, 'excluded_claims');
      assert.equal('aud' in claims, false, 'the token audience is not copied');
      assert.equal(typeof claims['jti'], 'string');
      assert.equal((claims['exp'] as number) - (claims['iat'] as number), 900);
      const sent = backend.requests.at(-1)!.headers['x-jwt-assertion'] as string;
      const header = decodeProtectedHeader(sent);
      const x5t = Buffer.from(pair.sha1Hex).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
      assert.deepEqual(header, { typ: 'JWT', alg: 'RS256', x5t, kid: DOC_KID });
      assert.equal(backend.requests.at(-1)!.headers['authorization'], undefined, 'the token itself stays at the gateway');
    });

    it('names a Basic-auth user with its roles and scopes', async () => {
      const r = await get(`${s.url}/coffee/1.0.0/menu`, { authorization: basic('barbara', 'barbara-pw-1') });
      assert.equal(r.status, 200, r.text);
      const claims = JSON.parse(r.text) as Record<string, unknown>;
      assert.equal(claims['sub'], 'barbara');
      assert.equal(claims[`${D}enduser`], 'barbara@carbon.super');
      assert.equal(claims[`${D}role`], 'barista,staff');
      assert.equal(claims['scope'], 'admin');
      assert.equal(`${D}applicationname` in claims, false);
    });

    it('names an API key caller as the application', async () => {
      const r = await get(`${s.url}/coffee/1.0.0/menu`, { apikey: apiKey });
      assert.equal(r.status, 200, r.text);
      const claims = JSON.parse(r.text) as Record<string, unknown>;
      assert.equal(claims[`${D}applicationname`], 'ci-bot');
      assert.match(String(claims[`${D}applicationid`]), /^[0-9a-f]{12}/);
      assert.equal(claims[`${D}enduser`], 'ci-bot@carbon.super');
      assert.equal('scope' in claims, false);
    });

    it('signs once per token and resource: the same token gets the same JWT, another resource or token another', async () => {
      const t = await token();
      const sentFor = async (url: string, bearer: string) => {
        const r = await get(url, { authorization: `Bearer ${bearer}` });
        assert.equal(r.status, 200, r.text);
        return backend.requests.at(-1)!.headers['x-jwt-assertion'] as string;
      };
      const a = await sentFor(`${s.url}/coffee/1.0.0/menu`, t);
      const b = await sentFor(`${s.url}/coffee/1.0.0/menu`, t);
      assert.equal(a, b);
      const other = await sentFor(`${s.url}/coffee/1.0.0/orders/7`, t);
      assert.notEqual(other, a);
      assert.equal(await sentFor(`${s.url}/coffee/1.0.0/orders/8`, t), other, 'the resource, not the path, keys the cache');
      assert.notEqual(await sentFor(`${s.url}/coffee/1.0.0/menu`, await token({ sub: 'bob' })), a);
    });

    it('replaces an X-JWT-Assertion the client sent, and sends the JWT again after a <call> took the response headers', async () => {
      const before = backend.requests.length;
      const r = await get(`${s.url}/coffee/1.0.0/twice`, { authorization: `Bearer ${await token()}`, 'x-jwt-assertion': 'forged.by.client' });
      assert.equal(r.status, 200, r.text);
      const [first, second] = backend.requests.slice(before);
      assert.match(first!.url, /^\/first/);
      assert.match(second!.url, /^\/verify/);
      assert.equal(first!.headers['x-jwt-assertion'], second!.headers['x-jwt-assertion']);
      assert.equal(JSON.parse(r.text).sub, 'alice');
    });

    it('lets mediators read the JWT (transport scope) and does not echo it to the client in a reply from the in-flow', async () => {
      const r = await get(`${s.url}/coffee/1.0.0/seen`, { authorization: basic('barbara', 'barbara-pw-1') });
      assert.equal(r.status, 200, r.text);
      const body = JSON.parse(r.text) as { caller: string; jwt: string };
      assert.equal(body.caller, 'barbara');
      assert.equal(body.jwt.split('.').length, 3);
      assert.equal(r.headers.get('x-jwt-assertion'), null);
    });

    it('the backend refuses a JWT signed with another key, or with its claims changed', async () => {
      const r = await get(`${s.url}/coffee/1.0.0/menu`, { authorization: `Bearer ${await token()}` });
      assert.equal(r.status, 200);
      const genuine = backend.requests.at(-1)!.headers['x-jwt-assertion'] as string;
      const [h, p, sig] = genuine.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'mallory', [`${D}enduser`]: 'mallory@carbon.super' })).toString('base64url')}.${sig}`;
      const other = await generateKeyPair('RS256');
      const forged = await new SignJWT({ ...claims, sub: 'mallory' }).setProtectedHeader(decodeProtectedHeader(genuine) as { alg: string }).sign(other.privateKey);
      for (const bad of [tampered, forged]) {
        const answer = await get(`${backend.url}/verify`, { 'x-jwt-assertion': bad });
        assert.equal(answer.status, 401, answer.text);
        assert.match(answer.text, /signature verification failed/);
      }
      assert.equal((await get(`${backend.url}/verify`, { 'x-jwt-assertion': genuine })).status, 200);
    });
  });

  describe('API Manager defaults (base64), NONE, expiry', () => {
    let s: TestServer;
    let backend: Backend;

    before(async () => {
      backend = await startBackend();
      s = await startTestServer(
        {
          'api/Plain.xml': `<api ${SYN} name="Plain" context="/plain">
            <security><basic_auth/></security>
            <resource methods="GET" uri-template="/x"><inSequence><send><endpoint><address uri="${backend.url}/x"/></endpoint></send></inSequence></resource>
          </api>`,
        },
        `[server]\nhot_deployment = false\n\n${usersToml}
[apim.jwt]
enable = true
signing_algorithm = "NONE"
use_kid_property = false
expiry_time = 1
header = "X-Caller-JWT"
`,
      );
    });
    after(async () => {
      await s?.close();
      await backend?.close();
    });

    it('sends an unsigned JWT (header.claims.) in standard Base64 without padding, in the configured header, no kid', async () => {
      const r = await get(`${s.url}/plain/x`, { authorization: basic('barbara', 'barbara-pw-1') });
      assert.equal(r.status, 200, r.text);
      const sent = backend.requests.at(-1)!.headers['x-caller-jwt'] as string;
      assert.equal(backend.requests.at(-1)!.headers['x-jwt-assertion'], undefined);
      const [h, p, sig] = sent.split('.');
      assert.equal(sig, '');
      assert.doesNotMatch(`${h}${p}`, /[-_=]/, 'the standard alphabet, no padding');
      assert.deepEqual(JSON.parse(Buffer.from(h!, 'base64').toString('utf8')), { typ: 'JWT', alg: 'none' });
      const claims = JSON.parse(Buffer.from(p!, 'base64').toString('utf8')) as Record<string, unknown>;
      assert.equal(claims[`${D}enduser`], 'barbara@carbon.super');
      assert.equal(`${D}role` in claims, false, 'enable_user_claims is off by default');
      assert.equal((claims['exp'] as number) - (claims['iat'] as number), 1);
    });

    it('makes a new JWT once the cached one has expired', async () => {
      const sent = async () => {
        await get(`${s.url}/plain/x`, { authorization: basic('barbara', 'barbara-pw-1') });
        const jwt = backend.requests.at(-1)!.headers['x-caller-jwt'] as string;
        return { jwt, exp: (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64').toString('utf8')) as { exp: number }).exp };
      };
      const a = await sent();
      await new Promise((r) => setTimeout(r, Math.max(0, a.exp * 1000 - Date.now()) + 50));
      const b = await sent();
      assert.notEqual(b.jwt, a.jwt);
      assert.ok(b.exp > a.exp);
    });
  });

  describe('disabled (the default)', () => {
    let s: TestServer;
    let backend: Backend;
    before(async () => {
      backend = await startBackend();
      s = await startTestServer(
        {
          'api/Plain.xml': `<api ${SYN} name="Plain" context="/plain">
            <security><basic_auth/></security>
            <resource methods="GET" uri-template="/x"><inSequence><send><endpoint><address uri="${backend.url}/x"/></endpoint></send></inSequence></resource>
            <handlers><handler class="extensions/who.ts#Who"/></handlers>
          </api>`,
        },
        `[server]\nhot_deployment = false\n\n${usersToml}`,
        {
          'who.ts': `import type { Handler, MessageContext } from 'mediation-runtime';
export class Who implements Handler {
  handleRequest(mc: MessageContext): boolean {
    const c = mc.caller;
    mc.setProperty('X-Caller', c ? [c.scheme, c.user, c.scopes.join('+'), (c.roles ?? []).join('+'), String(c.backendJwt)].join(' ') : 'none', 'transport');
    return true;
  }
}
`,
        },
      );
    });
    after(async () => {
      await s?.close();
      await backend?.close();
    });

    it('sends no JWT, has no JWKS (MI_API_062), and names the caller for mediators all the same', async () => {
      const r = await get(`${s.url}/plain/x`, { authorization: basic('barbara', 'barbara-pw-1') });
      assert.equal(r.status, 200, r.text);
      assert.equal(backend.requests.at(-1)!.headers['x-jwt-assertion'], undefined);
      assert.equal(backend.requests.at(-1)!.headers['x-caller'], 'basic_auth barbara admin barista+staff undefined');
      assert.equal(s.runtime.gateway.backendJwt, undefined);
      const jwks = await get(`${s.managementUrl}/jwks`);
      assert.equal(jwks.status, 404);
      assert.equal(JSON.parse(jwks.text).code, 'MI_API_062');
    });
  });

  describe('configuration', () => {
    const read = (toml: Record<string, unknown>, warnings: string[] = []) => readBackendJwtConfig({ apim: { jwt: toml } }, warnings);

    it("reads API Manager's keys with its defaults, and warns about keys that do nothing here", () => {
      const warnings: string[] = [];
      const c = read({ enable: 'true', generator_impl: 'org.wso2.carbon.apimgt.keymgt.token.JWTGenerator', colour: 'red' }, warnings)!;
      assert.deepEqual(
        [c.header, c.algorithm, c.encoding, c.claimDialect, c.userClaims, c.expirySeconds, c.useKid, c.issuer],
        ['X-JWT-Assertion', 'SHA256withRSA', 'base64', 'http://wso2.org/claims', false, 900, true, 'wso2.org/products/am'],
      );
      assert.equal(warnings.length, 2);
      assert.match(warnings.join('\n'), /MI_CFG_003 .*colour/);
      assert.match(warnings.join('\n'), /generator_impl .*ignored/);
      assert.equal(read({}), undefined);
      assert.equal(read({ enable: false, signing_algorithm: 'bogus' }), undefined, 'off: nothing is checked or loaded');
    });

    it('refuses a wrong value with MI_API_060', () => {
      for (const bad of [{ signing_algorithm: 'RS256' }, { encoding: 'hex' }, { expiry_time: 0 }, { header: 'X JWT' }, { custom_claims: { a: [1] } }]) {
        assert.throws(() => read({ enable: true, ...bad }), (e: unknown) => e instanceof MiError && e.spec.code === 'MI_API_060', JSON.stringify(bad));
      }
    });

    it('does not start a server that would sign without a key store (MI_API_061)', async () => {
      await assert.rejects(startTestServer({}, '[server]\nhot_deployment = false\n\n[apim.jwt]\nenable = true\n'), (e: unknown) => e instanceof MiError && e.spec.code === 'MI_API_061');
    });

    it('needs the primary key store to sign (MI_API_061), not to send an unsigned JWT', () => {
      const home = mkdtempSync(path.join(os.tmpdir(), 'mi-bjwt-home-'));
      try {
        const none = new PrimaryKeyStore(home, undefined);
        assert.throws(() => BackendJwt.create(read({ enable: true })!, none, 10).loadKey(), (e: unknown) => e instanceof MiError && e.spec.code === 'MI_API_061');
        const unsigned = BackendJwt.create(read({ enable: true, signing_algorithm: 'NONE' })!, none, 10);
        assert.deepEqual(unsigned.jwks(), { keys: [] });
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  });
});
