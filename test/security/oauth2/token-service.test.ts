/**
 * The token service ([oauth2_server]) driven by a client library nobody here wrote, openid-client 6, over
 * real HTTPS on loopback: discovery at WSO2's address, client credentials, password, refresh, the
 * authorization code flow with PKCE (the sign-in form driven with undici), introspection and revocation;
 * then the issued tokens call an API secured with oauth2 on the same server, and revoked or forged ones are
 * refused with 900901. State lives in the home's embedded database.
 */
import assert from 'node:assert/strict';
import { generateKeyPair, SignJWT, decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch, request } from 'undici';
import { OAuth2AppStore } from '../../../src/security/oauth2/oauth2-app-store.js';
import { startBackend, startTestServer, SYN, type Backend, type TestServer } from '../../helpers/server.js';
import { makeKeyStore } from '../fixtures.js';

const INVALID = '{"fault":{"code":900901,"message":"Invalid Credentials","description":"Invalid Credentials. Make sure you have provided the correct security credentials"}}';
const REDIRECT = 'https://app.example/callback';

describe('token service ([oauth2_server]) with openid-client', function () {
  this.timeout(60000);
  let s: TestServer;
  let backend: Backend;
  let agent: Agent;
  let issuer: string;
  let base: string;
  const apps: Record<string, { id: string; secret: string }> = {};

  before(async () => {
    const ks = await makeKeyStore();
    backend = await startBackend();
    const seq = `<inSequence>
        <header name="X-User" scope="transport" expression="get-property('api.ut.userId')"/>
        <header name="X-Scopes" scope="transport" expression="get-property('Scopes')"/>
        <send><endpoint><address uri="${backend.url}/kitchen"/></endpoint></send></inSequence>`;
    s = await startTestServer(
      {
        'api/Coffee.xml': `<api ${SYN} name="Coffee" context="/coffee">
          <resource methods="GET" uri-template="/menu"><security><oauth2 scopes="read:menu"/></security>${seq}</resource>
          <resource methods="GET" uri-template="/stats"><security><oauth2 scopes="admin"/></security>${seq}</resource>
        </api>`,
      },
      `${ks.toml}
[server]
hot_deployment = false
hostname = "localhost"

[oauth2_server]
enable = true
access_token_ttl = 600
revocation_cache_ttl = 0     # every use asks the database: a revocation holds at once

[api_security.scope_roles]
admin = ["barista"]

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
    agent = new Agent({ connect: { ca: [...s.config.security.keystore.get().certificates] } });
    base = `https://localhost:${s.httpsPort}`;
    issuer = `${base}/oauth2/token`;
    const store = new OAuth2AppStore(s.stores.users);
    const add = async (name: string, grantTypes: string[], scopes: string[], redirectUris: string[] = []) => {
      const { app, secret } = await store.add({ name, grantTypes, scopes, redirectUris });
      apps[name] = { id: app.clientId, secret };
    };
    await add('backoffice', ['client_credentials'], ['read:menu', 'admin']);
    await add('till', ['password', 'refresh_token'], ['read:menu', 'admin']);
    await add('web', ['authorization_code', 'refresh_token'], ['read:menu', 'admin'], [REDIRECT]);
  });
  after(async () => {
    await s?.close();
    await backend?.close();
    await agent?.close();
  });

  const customFetch = ((url: string, options: Record<string, unknown>) => undiciFetch(url, { ...options, dispatcher: agent } as never)) as unknown as oidc.CustomFetch;
  async function configFor(name: string, post = false): Promise<oidc.Configuration> {
    const a = apps[name]!;
    return oidc.discovery(new URL(issuer), a.id, undefined, post ? oidc.ClientSecretPost(a.secret) : oidc.ClientSecretBasic(a.secret), { [oidc.customFetch]: customFetch });
  }
  async function call(path: string, token: string): Promise<{ status: number; text: string }> {
    const r = await request(`${base}/coffee${path}`, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } });
    return { status: r.statusCode, text: await r.body.text() };
  }

  it('publishes its metadata at WSO2 Identity Server\'s addresses', async () => {
    const c = await configFor('backoffice');
    const m = c.serverMetadata();
    assert.equal(m.issuer, issuer);
    assert.equal(m.token_endpoint, `${base}/oauth2/token`);
    assert.equal(m.introspection_endpoint, `${base}/oauth2/introspect`);
    assert.equal(m.revocation_endpoint, `${base}/oauth2/revoke`);
    assert.equal(m.jwks_uri, `${base}/oauth2/jwks`);
    assert.equal(m.authorization_endpoint, `${base}/oauth2/authorize`);
    assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
  });

  it('client credentials: a JWT signed with the primary key that the API accepts without a call', async () => {
    const c = await configFor('backoffice', true);
    const t = await oidc.clientCredentialsGrant(c, { scope: 'read:menu admin' });
    assert.equal(t.token_type.toLowerCase(), 'bearer');
    const h = decodeProtectedHeader(t.access_token);
    assert.equal(h.alg, 'RS256');
    assert.ok(h.kid);
    for (const p of ['/menu', '/stats']) assert.equal((await call(p, t.access_token)).status, 200);
    assert.equal(backend.requests.at(-1)!.headers['x-user'], apps['backoffice']!.id);
    assert.equal(backend.requests.at(-1)!.headers['x-scopes'], '[read:menu, admin]');
  });

  it('password grant against the user store: scopes bound to roles go to holders only; refresh works', async () => {
    const c = await configFor('till');
    const barbara = await oidc.genericGrantRequest(c, 'password', { username: 'barbara', password: 'barbara-pw-1', scope: 'read:menu admin' });
    assert.equal(barbara.scope, 'read:menu admin');
    assert.equal((await call('/stats', barbara.access_token)).status, 200);
    assert.equal(backend.requests.at(-1)!.headers['x-user'], 'barbara');
    const carl = await oidc.genericGrantRequest(c, 'password', { username: 'carl', password: 'carl-pw-12', scope: 'read:menu admin' });
    assert.equal(carl.scope, 'read:menu');
    assert.equal((await call('/menu', carl.access_token)).status, 200);
    assert.equal((await call('/stats', carl.access_token)).status, 403);
    await assert.rejects(oidc.genericGrantRequest(c, 'password', { username: 'carl', password: 'wrong-password' }), (e: Error & { error?: string }) => e.error === 'invalid_grant');
    const refreshed = await oidc.refreshTokenGrant(c, carl.refresh_token!);
    assert.notEqual(refreshed.access_token, carl.access_token);
    assert.equal((await call('/menu', refreshed.access_token)).status, 200);
  });

  it('introspection and revocation: a revoked access token is inactive and refused by the API with 900901', async () => {
    const c = await configFor('backoffice');
    const t = await oidc.clientCredentialsGrant(c, { scope: 'read:menu' });
    const before = await oidc.tokenIntrospection(c, t.access_token);
    assert.equal(before.active, true);
    assert.equal(before.client_id, apps['backoffice']!.id);
    assert.equal(before.scope, 'read:menu');
    assert.equal((await call('/menu', t.access_token)).status, 200);
    await oidc.tokenRevocation(c, t.access_token);
    assert.equal((await oidc.tokenIntrospection(c, t.access_token)).active, false);
    const r = await call('/menu', t.access_token);
    assert.equal(r.status, 401);
    assert.equal(r.text, INVALID);
  });

  it('a revoked refresh token is refused, and so are the access tokens of its grant', async () => {
    const c = await configFor('till');
    const t = await oidc.genericGrantRequest(c, 'password', { username: 'barbara', password: 'barbara-pw-1', scope: 'read:menu' });
    assert.equal((await oidc.tokenIntrospection(c, t.refresh_token!)).active, true);
    await oidc.tokenRevocation(c, t.refresh_token!, { token_type_hint: 'refresh_token' });
    await assert.rejects(oidc.refreshTokenGrant(c, t.refresh_token!), (e: Error & { error?: string }) => e.error === 'invalid_grant');
    assert.equal((await call('/menu', t.access_token)).status, 401);
  });

  it('authorization code with PKCE (S256) through the sign-in form', async () => {
    const c = await configFor('web');
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(c, { redirect_uri: REDIRECT, scope: 'openid read:menu admin', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    const jar = new Map<string, string>();
    const go = async (target: string, init: { method?: string; body?: string } = {}) => {
      const r = await request(new URL(target, base), {
        dispatcher: agent,
        method: (init.method ?? 'GET') as 'GET',
        body: init.body,
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(init.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      });
      const set = r.headers['set-cookie'];
      for (const line of Array.isArray(set) ? set : set ? [set] : []) {
        const [pair] = line.split(';');
        const i = pair!.indexOf('=');
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      return { status: r.statusCode, location: r.headers['location'] as string | undefined, text: await r.body.text() };
    };
    const start = await go(url.href);
    assert.equal(start.status, 303);
    assert.match(start.location!, /^\/oauth2\/login\//);
    const page = await go(start.location!);
    assert.equal(page.status, 200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const wrong = await go(start.location!, { method: 'POST', body: new URLSearchParams({ csrf, username: 'carl', password: 'nope-nope' }).toString() });
    assert.equal(wrong.status, 401);
    assert.ok(!wrong.text.includes('carl'), 'nothing typed is reflected');
    const forged = await go(start.location!, { method: 'POST', body: new URLSearchParams({ csrf: 'forged', username: 'carl', password: 'carl-pw-12' }).toString() });
    assert.equal(forged.status, 403);
    const signedIn = await go(start.location!, { method: 'POST', body: new URLSearchParams({ csrf, username: 'carl', password: 'carl-pw-12' }).toString() });
    assert.equal(signedIn.status, 303);
    const resumed = await go(signedIn.location!);
    assert.equal(resumed.status, 303);
    assert.ok(resumed.location!.startsWith(REDIRECT), resumed.location);
    const tokens = await oidc.authorizationCodeGrant(c, new URL(resumed.location!), { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.scope?.split(' ').includes('admin'), false, 'carl is no barista');
    assert.ok(tokens.refresh_token);
    assert.equal((await call('/menu', tokens.access_token)).status, 200);
    assert.equal(backend.requests.at(-1)!.headers['x-user'], 'carl');
  });

  it('refuses a code flow without PKCE', async () => {
    const c = await configFor('web');
    const url = oidc.buildAuthorizationUrl(c, { redirect_uri: REDIRECT, scope: 'read:menu', state: 'x' });
    const r = await request(url, { dispatcher: agent });
    await r.body.dump();
    assert.equal(r.statusCode, 303);
    assert.match(String(r.headers['location']), /error=invalid_request/);
  });

  it('refuses a forged token (same issuer and kid, another key) with 900901', async () => {
    const c = await configFor('backoffice');
    const real = await oidc.clientCredentialsGrant(c, { scope: 'read:menu' });
    const { kid } = decodeProtectedHeader(real.access_token);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ scope: 'read:menu admin', client_id: 'x', jti: 'forged-jti' })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience('mi')
      .setSubject('mallory')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const r = await call('/menu', forged);
    assert.equal(r.status, 401);
    assert.equal(r.text, INVALID);
  });

  it('refuses a wrong client secret', async () => {
    const a = apps['backoffice']!;
    const c = await oidc.discovery(new URL(issuer), a.id, undefined, oidc.ClientSecretBasic('not-the-secret'), { [oidc.customFetch]: customFetch });
    await assert.rejects(oidc.clientCredentialsGrant(c, {}), (e: Error & { status?: number }) => e.status === 401);
  });

  it('keeps secrets and tokens out of the log', () => {
    for (const l of s.logLines) {
      for (const a of Object.values(apps)) assert.ok(!l.message.includes(a.secret));
      assert.ok(!l.message.includes('Bearer '));
    }
  });
});
