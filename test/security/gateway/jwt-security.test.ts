/**
 * JWT bearer tokens end to end: keys made here, a JWKS served on loopback, tokens signed with RS256, ES256
 * and PS256, and every way a token can be wrong refused with API Manager's fault before the backend sees
 * the call.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { get, post, startBackend, startTestServer, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const INVALID = '{"fault":{"code":900901,"message":"Invalid Credentials","description":"Invalid Credentials. Make sure you have provided the correct security credentials"}}';
const MISSING =
  '{"fault":{"code":900902,"message":"Missing Credentials","description":"Invalid Credentials. Make sure your API invocation call has a header: \'Authorization : Bearer ACCESS_TOKEN\' or \'Authorization : Basic ACCESS_TOKEN\' or \'apikey : API_KEY\'"}}';
const CHALLENGE = 'OAuth2 realm="WSO2 API Manager", error="invalid_token", error_description="The provided token is invalid"';
const scopeFault = (path: string) =>
  `{"fault":{"code":900910,"message":"The access token does not allow you to access the requested resource","description":"User is NOT authorized to access the Resource: ${path}. Scope validation failed."}}`;

interface Signer {
  key: CryptoKey;
  alg: string;
  kid: string;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

async function token(s: Signer, claims: Record<string, unknown> = {}, opts: { iss?: string; aud?: string; exp?: number; nbf?: number } = {}): Promise<string> {
  const jwt = new SignJWT({ sub: 'alice', ...claims })
    .setProtectedHeader({ alg: s.alg, kid: s.kid, typ: 'at+jwt' })
    .setIssuer(opts.iss ?? 'https://idp.test')
    .setAudience(opts.aud ?? 'coffeebar')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? now() + 600);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(s.key);
}

async function signer(alg: string, kid: string): Promise<{ signer: Signer; jwk: JWK; spki: string }> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
  return { signer: { key: pair.privateKey, alg, kid }, jwk, spki: await exportSPKI(pair.publicKey) };
}

describe('API security: JWT bearer tokens', function () {
  this.timeout(60000);
  let s: TestServer;
  let backend: Backend;
  let jwks: http.Server;
  let jwksKeys: JWK[];
  let jwksFetches = 0;
  let rs: Signer, es: Signer, ps: Signer, pem: Signer, rotated: Signer;
  let rotatedJwk: JWK;
  let pemSpki: string;

  before(async () => {
    const [a, b, c, d, e] = await Promise.all([signer('RS256', 'rs'), signer('ES256', 'ec'), signer('PS256', 'ps'), signer('RS256', 'pem'), signer('RS256', 'rs-next')]);
    [rs, es, ps, pem, rotated] = [a.signer, b.signer, c.signer, d.signer, e.signer];
    rotatedJwk = e.jwk;
    pemSpki = d.spki;
    jwksKeys = [a.jwk, b.jwk, c.jwk];
    jwks = http.createServer((req, res) => {
      jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: jwksKeys }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
    backend = await startBackend();
    const ep = `<endpoint><address uri="${backend.url}/kitchen"/></endpoint>`;
    const seq = `<inSequence>
        <header name="X-User" scope="transport" expression="get-property('api.ut.userId')"/>
        <header name="X-Scopes" scope="transport" expression="get-property('Scopes')"/>
        <send>${ep}</send></inSequence>`;
    const toml = `[server]
hot_deployment = false

[[jwt_issuer]]
issuer = "https://idp.test"
audience = "coffeebar"
jwks_url = "${jwksUrl}"
algorithms = ["RS256", "ES256", "PS256"]
jwks_cooldown = 0

[[jwt_issuer]]
name = "pem"
issuer = "https://pem.test"
certificate = '''
${pemSpki}'''
algorithms = ["RS256"]

[[jwt_issuer]]
issuer = "https://down.test"
jwks_url = "http://127.0.0.1:1/jwks"
jwks_timeout = 2000
`;
    s = await startTestServer(
      {
        'api/Coffee.xml': `<api ${SYN} name="Coffee" context="/coffee">
          <security><oauth2/></security>
          <resource methods="GET" uri-template="/menu"><security><oauth2 scopes="read:menu admin"/></security>${seq}</resource>
          <resource methods="POST" uri-template="/order">${seq}</resource>
          <resource methods="GET" uri-template="/health"><security auth="none"/>${seq}</resource>
        </api>`,
      },
      toml,
    );
  });
  after(async () => {
    await s?.close();
    await backend?.close();
    jwks?.close();
  });

  const bearer = (t: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${t}`, ...extra });

  it('admits tokens signed with RS256, ES256 and PS256 and hands the end user and scopes on, without the token', async () => {
    for (const k of [rs, es, ps]) {
      const before = backend.requests.length;
      const r = await get(`${s.url}/coffee/menu`, bearer(await token(k, { scope: 'read:menu write:order' })));
      assert.equal(r.status, 200, `${k.alg}: ${r.text}`);
      const seen = backend.requests[before]!;
      assert.equal(seen.headers['x-user'], 'alice');
      assert.equal(seen.headers['x-scopes'], '[read:menu, write:order]');
      assert.equal(seen.headers['authorization'], undefined, 'the token does not reach the backend');
    }
  });

  it('admits a token signed with the key of a certificate-configured issuer', async () => {
    const r = await post(`${s.url}/coffee/order`, '{}', { 'content-type': 'application/json', ...bearer(await token(pem, {}, { iss: 'https://pem.test' })) });
    assert.equal(r.status, 200, r.text);
  });

  it('reads scopes from an scp array as well', async () => {
    const r = await get(`${s.url}/coffee/menu`, bearer(await token(es, { scp: ['admin'] })));
    assert.equal(r.status, 200, r.text);
    assert.equal(backend.requests.at(-1)!.headers['x-scopes'], '[admin]');
  });

  it('answers a call without credentials with 900902, 401 and the OAuth2 challenge', async () => {
    const before = backend.requests.length;
    const r = await get(`${s.url}/coffee/menu`);
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), CHALLENGE);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.text, MISSING);
    assert.equal(backend.requests.length, before, 'a refused call never reaches the backend');
  });

  it('refuses every kind of bad token with 900901 and 401, and none reaches the backend', async () => {
    const good = await token(rs, { scope: 'read:menu' });
    const [h, p] = good.split('.');
    const tampered = `${h}.${b64({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), scope: 'admin' })}.${good.split('.')[2]}`;
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', iss: 'https://idp.test', aud: 'coffeebar', exp: now() + 600, scope: 'admin' })}.`;
    const hsHeader = b64({ alg: 'HS256', typ: 'JWT' });
    const hsPayload = b64({ sub: 'alice', iss: 'https://pem.test', exp: now() + 600, scope: 'admin' });
    const hsSig = createHmac('sha256', pemSpki).update(`${hsHeader}.${hsPayload}`).digest('base64url');
    const cases: [string, string][] = [
      ['expired', await token(rs, { scope: 'read:menu' }, { exp: now() - 3600 })],
      ['not yet valid', await token(rs, { scope: 'read:menu' }, { nbf: now() + 3600 })],
      ['wrong issuer', await token(rs, { scope: 'read:menu' }, { iss: 'https://evil.test' })],
      ['wrong audience', await token(rs, { scope: 'read:menu' }, { aud: 'someone-else' })],
      ['tampered', tampered],
      ['alg none', none],
      ['HS256 signed with the public key', `${hsHeader}.${hsPayload}.${hsSig}`],
      ['signed by a key of another issuer', await token(pem, { scope: 'read:menu' })],
      ['not a JWT at all', 'opaque-token-value'],
    ];
    const before = backend.requests.length;
    for (const [what, t] of cases) {
      const r = await get(`${s.url}/coffee/menu`, bearer(t));
      assert.equal(r.status, 401, what);
      assert.equal(r.text, INVALID, what);
      assert.equal(r.headers.get('www-authenticate'), CHALLENGE, what);
    }
    assert.equal(backend.requests.length, before);
  });

  it('refuses a valid token without any of the resource scopes with 900910 and 403', async () => {
    const r = await get(`${s.url}/coffee/menu`, bearer(await token(rs, { scope: 'write:order' })));
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('www-authenticate'), null);
    assert.equal(r.text, scopeFault('/menu'));
  });

  it('applies the API-level declaration to resources without their own, and leaves an open resource open', async () => {
    assert.equal((await post(`${s.url}/coffee/order`, '{}', { 'content-type': 'application/json' })).status, 401);
    assert.equal((await post(`${s.url}/coffee/order`, '{}', { 'content-type': 'application/json', ...bearer(await token(rs)) })).status, 200);
    assert.equal((await get(`${s.url}/coffee/health`)).status, 200);
  });

  it('fetches the JWKS again for an unknown kid (key rotation)', async () => {
    const t = await token(rotated, { scope: 'read:menu' });
    const fetches = jwksFetches;
    jwksKeys = [...jwksKeys, rotatedJwk];
    const r = await get(`${s.url}/coffee/menu`, bearer(t));
    assert.equal(r.status, 200, r.text);
    assert.equal(jwksFetches, fetches + 1);
  });

  it('verifies a repeated token once: the JWKS is not fetched again and the key may even be gone', async () => {
    const t = await token(rotated, { scope: 'read:menu' });
    assert.equal((await get(`${s.url}/coffee/menu`, bearer(t))).status, 200);
    const fetches = jwksFetches;
    jwksKeys = jwksKeys.filter((k) => k.kid !== 'rs-next');
    for (let i = 0; i < 5; i++) assert.equal((await get(`${s.url}/coffee/menu`, bearer(t))).status, 200);
    assert.equal(jwksFetches, fetches);
  });

  it('fails closed with 900900 and 500 when the issuer JWKS cannot be fetched, and logs it once', async () => {
    const t = await token(rs, { scope: 'read:menu' }, { iss: 'https://down.test' });
    for (let i = 0; i < 2; i++) {
      const r = await get(`${s.url}/coffee/menu`, bearer(t));
      assert.equal(r.status, 500);
      assert.equal(r.text, '{"fault":{"code":900900,"message":"Unclassified Authentication Failure","description":"Error while retrieving the signing keys of the token issuer"}}');
    }
    assert.equal(s.logLines.filter((l) => l.message.includes('MI_API_004')).length, 1);
  });

  it('answers in XML for Accept: application/xml and with a SOAP fault for a SOAP call', async () => {
    const x = await get(`${s.url}/coffee/menu`, { accept: 'application/xml' });
    assert.equal(x.headers.get('content-type'), 'application/xml');
    assert.equal(
      x.text,
      '<ams:fault xmlns:ams="http://wso2.org/apimanager/security"><ams:code>900902</ams:code><ams:message>Missing Credentials</ams:message>' +
        "<ams:description>Invalid Credentials. Make sure your API invocation call has a header: 'Authorization : Bearer ACCESS_TOKEN' or 'Authorization : Basic ACCESS_TOKEN' or 'apikey : API_KEY'</ams:description></ams:fault>",
    );
    const soap = await post(`${s.url}/coffee/order`, '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>', {
      'content-type': 'text/xml',
      soapaction: 'urn:order',
      authorization: 'Bearer nonsense',
    });
    assert.equal(soap.status, 401);
    assert.match(soap.headers.get('content-type')!, /^text\/xml/);
    assert.equal(
      soap.text,
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode>' +
        '<faultstring>Authentication Failure</faultstring><detail>Invalid Credentials. Make sure you have provided the correct security credentials</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>',
    );
  });

  it('never writes a token into the log', async () => {
    const t = await token(rs, { scope: 'nothing' });
    await get(`${s.url}/coffee/menu`, bearer(t));
    assert.ok(!s.logLines.some((l) => l.message.includes(t.split('.')[2]!)));
  });
});
