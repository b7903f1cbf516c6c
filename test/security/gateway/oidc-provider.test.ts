/**
 * The gateway as a resource server of an authorization server nobody here wrote: panva's oidc-provider
 * (OpenID certified) on loopback, with clients registered for the client_credentials grant. Tokens are
 * obtained as any OAuth client obtains them (a plain HTTP POST to the token endpoint), then sent to the API:
 * JWT access tokens (resource indicators, accessTokenFormat jwt) are verified with the provider's JWKS
 * through a [[jwt_issuer]]; opaque ones are introspected through a [[key_manager]] whose client secret is a
 * `$secret{}`; revoked ones are refused.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Adapter, type AdapterPayload, type Client } from 'oidc-provider';
import { request } from 'undici';
import { get, startBackend, startTestServer, SYN, type Backend, type TestServer } from '../../helpers/server.js';
import { makeKeyStore } from '../fixtures.js';

const JWT_RESOURCE = 'https://coffeebar.test/jwt';
const OPAQUE_RESOURCE = 'https://coffeebar.test/opaque';
/** Characters that RFC 6749 2.3.1 form-encodes before Basic: the provider decodes them, so must we encode. */
const GATEWAY_SECRET = 'gw secret:with+odd/chars%';
const INVALID = '{"fault":{"code":900901,"message":"Invalid Credentials","description":"Invalid Credentials. Make sure you have provided the correct security credentials"}}';

/** The provider's storage, in memory (its own development adapter warns on every start). */
const stored = new Map<string, AdapterPayload>();
class MemoryAdapter implements Adapter {
  constructor(private readonly model: string) {}
  private key(id: string): string {
    return `${this.model}:${id}`;
  }
  async upsert(id: string, payload: AdapterPayload): Promise<void> {
    stored.set(this.key(id), payload);
  }
  async find(id: string): Promise<AdapterPayload | undefined> {
    return stored.get(this.key(id));
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async consume(id: string): Promise<void> {
    const p = stored.get(this.key(id));
    if (p) p.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string): Promise<void> {
    stored.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [k, p] of stored) if (p.grantId === grantId) stored.delete(k);
  }
}

describe('API security with oidc-provider as the authorization server', function () {
  this.timeout(60000);
  let idp: http.Server;
  let issuer: string;
  const introspections: string[] = [];
  let s: TestServer;
  let backend: Backend;

  before(async () => {
    idp = http.createServer();
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const signing = { ...(await exportJWK(privateKey)), kid: 'coffeebar-1', alg: 'RS256', use: 'sig' };
    const app = (client_id: string, scope: string) => ({ client_id, client_secret: `${client_id}-secret`, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope });
    const provider = new Provider(issuer, {
      adapter: MemoryAdapter,
      jwks: { keys: [signing] },
      cookies: { keys: ['coffeebar-cookie-key'] },
      clients: [
        // the gateway itself: it only introspects
        { client_id: 'gateway', client_secret: GATEWAY_SECRET, grant_types: [], redirect_uris: [], response_types: [] },
        app('barista-app', 'read:menu admin'),
        app('customer-app', 'read:menu'),
      ],
      scopes: ['read:menu', 'admin'],
      ttl: { ClientCredentials: 600 },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: Client) => client.clientId === 'gateway' },
        revocation: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => OPAQUE_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) =>
            resource === JWT_RESOURCE
              ? { scope: 'read:menu admin', audience: 'coffeebar', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }
              : { scope: 'read:menu admin', audience: 'coffeebar-opaque', accessTokenFormat: 'opaque' },
        },
      },
    });
    const callback = provider.callback();
    idp.on('request', (req, res) => {
      if (req.url === '/token/introspection') introspections.push(req.headers['authorization'] ?? '');
      callback(req, res);
    });

    const ks = await makeKeyStore();
    backend = await startBackend();
    const seq = `<inSequence>
        <header name="X-User" scope="transport" expression="get-property('api.ut.userId')"/>
        <header name="X-Scopes" scope="transport" expression="get-property('Scopes')"/>
        <send><endpoint><address uri="${backend.url}/kitchen"/></endpoint></send></inSequence>`;
    s = await startTestServer(
      {
        'api/Coffee.xml': `<api ${SYN} name="Coffee" context="/coffee">
          <security><oauth2/></security>
          <resource methods="GET" uri-template="/menu"><security><oauth2 scopes="read:menu"/></security>${seq}</resource>
          <resource methods="GET" uri-template="/stats"><security><oauth2 scopes="admin"/></security>${seq}</resource>
        </api>`,
      },
      `${ks.toml}
[server]
hot_deployment = false

[secrets]
gateway_client_secret = "${ks.encrypt(GATEWAY_SECRET)}"

[[jwt_issuer]]
issuer = "${issuer}"
audience = "coffeebar"
jwks_url = "${issuer}/jwks"

[[key_manager]]
name = "oidc-provider"
introspection_url = "${issuer}/token/introspection"
client_id = "gateway"
client_secret = "$secret{gateway_client_secret}"
audience = "coffeebar-opaque"
cache_ttl = 1
`,
    );
  });
  after(async () => {
    await s?.close();
    await backend?.close();
    idp?.closeAllConnections();
    idp?.close();
  });

  /** The client_credentials grant, as any OAuth client does it (client_secret_basic). */
  async function accessToken(client: string, scope: string, resource: string): Promise<string> {
    const r = await request(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client}:${client}-secret`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }).toString(),
    });
    const body = (await r.body.json()) as { access_token?: string };
    assert.equal(r.statusCode, 200, JSON.stringify(body));
    return body.access_token!;
  }

  async function revoke(client: string, token: string): Promise<void> {
    const r = await request(`${issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client}:${client}-secret`).toString('base64')}` },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    });
    await r.body.dump();
    assert.equal(r.statusCode, 200);
  }

  const call = (path: string, token: string) => get(`${s.url}/coffee${path}`, { authorization: `Bearer ${token}` });

  it('accepts the JWT access tokens it issues, verified with its JWKS and never introspected', async () => {
    const t = await accessToken('barista-app', 'read:menu admin', JWT_RESOURCE);
    assert.equal(t.split('.').length, 3, 'a JWT');
    const asked = introspections.length;
    for (const path of ['/menu', '/stats']) {
      const r = await call(path, t);
      assert.equal(r.status, 200, r.text);
    }
    assert.equal(backend.requests.at(-1)!.headers['x-user'], 'barista-app');
    assert.equal(backend.requests.at(-1)!.headers['x-scopes'], '[read:menu, admin]');
    assert.equal(introspections.length, asked);
  });

  it('checks the scopes of its JWTs: a customer token reads the menu but not the stats', async () => {
    const t = await accessToken('customer-app', 'read:menu', JWT_RESOURCE);
    assert.equal((await call('/menu', t)).status, 200);
    const r = await call('/stats', t);
    assert.equal(r.status, 403);
    assert.match(r.text, /"code":900910/);
  });

  it('accepts the opaque tokens it issues through introspection, with its $secret{} client secret', async () => {
    const t = await accessToken('customer-app', 'read:menu', OPAQUE_RESOURCE);
    assert.equal(t.split('.').length, 1, 'opaque');
    const asked = introspections.length;
    const r = await call('/menu', t);
    assert.equal(r.status, 200, r.text);
    assert.equal(backend.requests.at(-1)!.headers['x-user'], 'customer-app');
    assert.equal(backend.requests.at(-1)!.headers['x-scopes'], '[read:menu]');
    assert.equal(introspections.length, asked + 1);
    assert.equal((await call('/stats', t)).status, 403, 'scopes come from the introspection answer');
    assert.equal(introspections.length, asked + 1, 'the second call was answered from the cache');
  });

  it('refuses a revoked opaque token with 900901', async () => {
    const t = await accessToken('barista-app', 'read:menu', OPAQUE_RESOURCE);
    await revoke('barista-app', t);
    const r = await call('/menu', t);
    assert.equal(r.status, 401);
    assert.equal(r.text, INVALID);
  });

  it('refuses a token revoked after use once cache_ttl has passed', async () => {
    const t = await accessToken('barista-app', 'read:menu', OPAQUE_RESOURCE);
    assert.equal((await call('/menu', t)).status, 200);
    await revoke('barista-app', t);
    await new Promise((r) => setTimeout(r, 1200));
    const r = await call('/menu', t);
    assert.equal(r.status, 401);
    assert.equal(r.text, INVALID);
  });

  it('refuses a token it never issued with 900901', async () => {
    const r = await call('/menu', 'made-up-opaque-token-value-0123456789');
    assert.equal(r.status, 401);
    assert.equal(r.text, INVALID);
  });

  it('keeps the client secret and the tokens out of the log', () => {
    assert.ok(s.logLines.length > 0);
    for (const l of s.logLines) assert.ok(!l.message.includes(GATEWAY_SECRET) && !l.message.includes('Bearer '));
  });
});
