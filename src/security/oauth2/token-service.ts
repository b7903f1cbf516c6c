/**
 * A token service for small setups (`[oauth2_server] enable = true`): panva's oidc-provider (OpenID
 * certified) mounted at /oauth2 on the HTTPS listener, with WSO2 Identity Server's endpoint names (token,
 * introspect, revoke, jwks, authorize). Applications come from `mi app add` (mi_oauth2_apps, secrets kept as
 * hashes); users from the runtime's user store; tokens are JWTs signed with the primary key (RS256, kid =
 * its JWK thumbprint). oidc-provider is loaded here on first use, so a server without the section never loads it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { calculateJwkThumbprint, jwtVerify, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { Adapter, AdapterPayload, KoaContextWithOIDC, Model } from 'oidc-provider';
import { Errors } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { JwtIssuerConfig } from '../gateway/gateway-config.js';
import type { LoadedKeyStore } from '../keys/keystore.js';
import { grantedScopes } from './granted-scopes.js';
import { localIssuerConfig } from './local-issuer.js';
import { csrfMatches, csrfToken, plainError, readForm, renderLogin } from './login-page.js';
import type { OAuth2App, OAuth2AppStore } from './oauth2-app-store.js';
import { secretMatches } from './oauth2-app-store.js';
import type { OAuth2ServerSettings } from './oauth2-server-config.js';
import { ACCESS_TOKEN_MODELS, type ProviderState } from './provider-state.js';

export const OAUTH2_LOGGER = 'org.wso2.carbon.identity.oauth2.OAuth2Service';
/** The one resource every token is for: the APIs of this runtime (the token's aud is `[oauth2_server] audience`). */
const RESOURCE = 'urn:mi:apis';
const MOUNT = '/oauth2';
/** WSO2 Identity Server's discovery address: the issuer (…/oauth2/token) plus the well-known suffix. */
const WSO2_DISCOVERY = '/oauth2/token/.well-known/openid-configuration';

/** Whether a request target belongs to the token service. */
export function isTokenServicePath(url: string | undefined): boolean {
  return url !== undefined && (url === MOUNT || url.startsWith(`${MOUNT}/`) || url.startsWith(`${MOUNT}?`));
}

export interface TokenServiceOptions {
  readonly settings: OAuth2ServerSettings;
  /** The `iss` of its tokens, `https://host:port/oauth2/token`. */
  readonly issuer: string;
  readonly key: LoadedKeyStore;
  readonly auth: Authenticator;
  readonly scopeRoles: ReadonlyMap<string, ReadonlySet<string>>;
  readonly apps: OAuth2AppStore;
  readonly state: ProviderState;
  readonly log: Logger;
}

type RequestWithOriginal = IncomingMessage & { originalUrl?: string };

export class TokenService {
  /** Per request: whether the client authenticated with HTTP Basic (its registered method is chosen to match). */
  private readonly basicAuth = new AsyncLocalStorage<boolean>();
  private readonly appCache = new Map<string, { app: OAuth2App | undefined; until: number }>();
  private readonly callback: (req: IncomingMessage, res: ServerResponse) => void;
  private readonly formSecret: Buffer;
  private storeDown = false;

  private constructor(
    private readonly o: TokenServiceOptions,
    private readonly provider: Provider,
  ) {
    this.callback = provider.callback();
    this.formSecret = createHash('sha256').update('mi-oauth2-login-form').update(o.key.privateKey.export({ format: 'der', type: 'pkcs8' })).digest();
  }

  static async create(o: TokenServiceOptions): Promise<TokenService> {
    const { default: ProviderClass, errors, interactionPolicy } = await import('oidc-provider');
    const s = o.settings;
    const jwk = o.key.privateKey.export({ format: 'jwk' }) as JWK;
    const kid = await calculateJwkThumbprint({ kty: jwk.kty!, n: jwk.n!, e: jwk.e! });
    // the same on every node holding the key, so a login cookie set by one node is read by another
    const cookieKey = createHash('sha256').update('mi-oauth2-cookies').update(o.key.privateKey.export({ format: 'der', type: 'pkcs8' })).digest('base64url');
    const policy = interactionPolicy.base();
    policy.remove('consent'); // first-party applications: the scopes are the application's and the user's roles', nothing to ask
    let service: TokenService | undefined;
    // the application's scopes, as resource scopes: client metadata may only name OpenID Connect scopes
    const resourceServer = (scopes: readonly string[]) => ({
      scope: scopes.join(' '),
      audience: s.audience,
      accessTokenFormat: 'jwt',
      accessTokenTTL: s.accessTokenSeconds,
      jwt: { sign: { alg: 'RS256' } },
    });
    const provider = new ProviderClass(o.issuer, {
      adapter: (model: string) => service!.adapter(model),
      jwks: { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] },
      cookies: { keys: [cookieKey] },
      routes: { authorization: '/authorize', token: '/token', introspection: '/introspect', revocation: '/revoke', jwks: '/jwks', userinfo: '/userinfo', end_session: '/logout' },
      responseTypes: ['code'],
      scopes: ['openid', 'offline_access'],
      clientDefaults: { id_token_signed_response_alg: 'RS256', grant_types: [], response_types: [] },
      enabledJWA: { idTokenSigningAlgValues: ['RS256'], requestObjectSigningAlgValues: ['RS256'] },
      pkce: { required: () => true, methods: ['S256'] },
      ttl: {
        AccessToken: s.accessTokenSeconds,
        ClientCredentials: s.accessTokenSeconds,
        IdToken: s.accessTokenSeconds,
        RefreshToken: s.refreshTokenSeconds,
        AuthorizationCode: s.authorizationCodeSeconds,
        Grant: s.refreshTokenSeconds,
        Session: s.refreshTokenSeconds,
        Interaction: 600,
      },
      issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(g: string): boolean }) => client.grantTypeAllowed('refresh_token'),
      findAccount: async (_ctx: unknown, sub: string) => {
        const u = await o.auth.user(sub);
        return u && { accountId: u.name, claims: async () => ({ sub: u.name }) };
      },
      // roles go into the tokens of users (the client_credentials grant has none)
      extraTokenClaims: async (_ctx: unknown, token: Model) => {
        if (typeof token['accountId'] !== 'string') return undefined;
        const u = await o.auth.user(token['accountId']);
        return { roles: u ? [...u.roles] : [] };
      },
      formats: { customizers: { jwt: async (_ctx: unknown, token: Model, jwt: { payload: { iat: number; exp: number } }) => service!.recordAccessToken(token, jwt.payload) } },
      // plain text, no outside resources; the provider's texts only (HTML would need escaping, text/plain does not run)
      renderError: async (ctx: { type: string; body: unknown; set(k: string, v: string): void }, out: { error: string; error_description?: string }) => {
        ctx.type = 'text/plain; charset=utf-8';
        ctx.set('x-content-type-options', 'nosniff');
        ctx.body = `${out.error}${out.error_description ? `: ${out.error_description}` : ''}\n`;
      },
      interactions: { policy, url: (_ctx: unknown, interaction: { uid: string }) => `${MOUNT}/login/${interaction.uid}` },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: s.grantTypes.includes('client_credentials') },
        // every application is confidential (it authenticated to get here): it may ask about any token, as a resource server does
        introspection: { enabled: true, allowedPolicy: async () => true },
        revocation: { enabled: true },
        userinfo: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: async (_ctx: unknown, resource: string, client: { clientId: string }) => {
            if (resource !== RESOURCE) throw new errors.InvalidRequest(`resource must be ${RESOURCE} or absent`);
            return resourceServer(await service!.appScopes(client.clientId));
          },
        },
      },
    });
    provider.proxy = false;
    // client secrets are stored as SHA-256 hashes (see oauth2-app-store.ts)
    provider.Client.prototype.compareClientSecret = function (this: { clientSecret?: string }, actual: string): boolean {
      return typeof this.clientSecret === 'string' && secretMatches(actual, this.clientSecret);
    };
    if (s.grantTypes.includes('password')) {
      provider.registerGrantType('password', (ctx, next) => service!.passwordGrant(ctx, next, errors, resourceServer), ['username', 'password', 'scope']);
    }
    provider.on('server_error', (_ctx: unknown, err: Error) => o.log.error(`${Errors.OAUTH2_STORE_UNAVAILABLE.code}  token service request failed: ${err.message}`));
    service = new TokenService(o, provider);
    return service;
  }

  get issuer(): string {
    return this.o.issuer;
  }

  /** The `[[jwt_issuer]]` the gateway trusts for the tokens issued here (trust_local_issuer). */
  localIssuer(): JwtIssuerConfig {
    return localIssuerConfig(this.o.issuer, this.o.settings.audience, this.o.key.publicKey, this.o.state, this.o.settings.revocationCacheSeconds);
  }

  /** The HTTPS listener's handler for /oauth2 and below. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const r = req as RequestWithOriginal;
    const url = r.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path.startsWith(`${MOUNT}/login/`)) {
      void this.login(req, res, path.slice(MOUNT.length + 7)).catch((err: Error) => {
        this.o.log.error(`${Errors.OAUTH2_STORE_UNAVAILABLE.code}  sign-in failed: ${err.message}`);
        if (!res.headersSent) plainError(res, 500, 'The sign-in could not be completed; try again later.');
      });
      return;
    }
    // the provider computes its links from originalUrl minus url: the mount point
    if (path === WSO2_DISCOVERY) {
      r.url = `/.well-known/openid-configuration${q < 0 ? '' : url.slice(q)}`;
    } else {
      r.url = url.slice(MOUNT.length) || '/';
    }
    r.originalUrl = MOUNT + r.url;
    this.basicAuth.run(/^basic /i.test(req.headers.authorization ?? ''), () => this.callback(req, res));
  }

  async close(): Promise<void> {
    await this.o.state.close();
  }

  /** The storage adapter oidc-provider asks for each model. */
  adapter(model: string): Adapter {
    if (model === 'Client') {
      return {
        find: (id) => this.clientMetadata(id),
        upsert: async () => {},
        findByUid: async () => undefined,
        findByUserCode: async () => undefined,
        consume: async () => {},
        destroy: async () => {},
        revokeByGrantId: async () => {},
      };
    }
    const state = this.o.state;
    const jwtModel = (ACCESS_TOKEN_MODELS as readonly string[]).includes(model);
    return {
      upsert: (id, payload, expiresIn) => this.guard(state.upsert(model, id, payload, expiresIn)),
      // an access token is a JWT: its record (by jti) says whether it is still alive
      find: (id) => this.guard(jwtModel && id.includes('.') ? this.findJwt(model, id) : state.find(model, id)),
      findByUid: (uid) => this.guard(state.findByUid(model, uid)),
      findByUserCode: async () => undefined,
      consume: (id) => this.guard(state.consume(model, id)),
      destroy: (id) => this.guard(state.destroy(model, id)),
      revokeByGrantId: (grantId) => this.guard(state.revokeByGrantId(grantId)),
    };
  }

  /** A store failure is logged once per outage and fails the request (server_error). */
  private async guard<T>(p: Promise<T>): Promise<T> {
    try {
      const v = await p;
      if (this.storeDown) {
        this.storeDown = false;
        this.o.log.info('the token service store answers again');
      }
      return v;
    } catch (err) {
      if (!this.storeDown) {
        this.storeDown = true;
        this.o.log.error(`${Errors.OAUTH2_STORE_UNAVAILABLE.code}  the token service cannot use its ${this.o.settings.store.type} store: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  private async findJwt(model: string, token: string): Promise<AdapterPayload | undefined> {
    let jti: unknown;
    try {
      ({ payload: { jti } } = await jwtVerify(token, this.o.key.publicKey, { issuer: this.o.issuer, algorithms: ['RS256'], typ: 'at+jwt' }));
    } catch {
      return undefined;
    }
    return typeof jti === 'string' ? this.o.state.find(model, jti) : undefined;
  }

  /** Keeps a record of each JWT access token, so introspection can answer for it and revocation can end it. */
  async recordAccessToken(token: Model, claims: { iat: number; exp: number }): Promise<void> {
    const payload: AdapterPayload = {};
    for (const k of (token.constructor as unknown as { IN_PAYLOAD: string[] }).IN_PAYLOAD) if (token[k] !== undefined) payload[k] = token[k];
    Object.assign(payload, { jti: token.jti, kind: token.kind, iat: claims.iat, exp: claims.exp });
    await this.guard(this.o.state.upsert(token.kind, token.jti, payload, Math.max(1, claims.exp - Math.floor(Date.now() / 1000))));
  }

  /** The scopes an application may be given (those of `mi app add --scope`). */
  async appScopes(clientId: string): Promise<readonly string[]> {
    return (await this.app(clientId))?.scopes ?? [];
  }

  private async app(clientId: string): Promise<OAuth2App | undefined> {
    const now = Date.now();
    const hit = this.appCache.get(clientId);
    if (hit && now < hit.until) return hit.app;
    const app = await this.guard(this.o.apps.find(clientId));
    if (this.appCache.size >= 1000) this.appCache.delete(this.appCache.keys().next().value!);
    this.appCache.set(clientId, { app, until: now + this.o.settings.clientCacheSeconds * 1000 });
    return app;
  }

  /** oidc-provider's client metadata of an application of `mi app add`. */
  private async clientMetadata(clientId: string): Promise<AdapterPayload | undefined> {
    const app = await this.app(clientId);
    if (app === undefined) return undefined;
    const grants = app.grantTypes.filter((g) => this.o.settings.grantTypes.includes(g));
    const method = this.basicAuth.getStore() === false ? 'client_secret_post' : 'client_secret_basic';
    return {
      client_id: app.clientId,
      client_secret: app.secretHash,
      client_name: app.name,
      grant_types: grants,
      redirect_uris: grants.includes('authorization_code') ? [...app.redirectUris] : [],
      response_types: grants.includes('authorization_code') ? ['code'] : [],
      token_endpoint_auth_method: method,
      introspection_endpoint_auth_method: method,
      revocation_endpoint_auth_method: method,
    };
  }

  /** The resource owner password grant (RFC 6749 4.3), against the runtime's user store. */
  async passwordGrant(
    ctx: KoaContextWithOIDC,
    next: () => Promise<void>,
    errors: typeof import('oidc-provider').errors,
    resourceServer: (scopes: readonly string[]) => Record<string, unknown>,
  ): Promise<void> {
    const { username, password, scope } = ctx.oidc.params;
    if (!username || !password) throw new errors.InvalidRequest('username and password are required');
    const outcome = await this.o.auth.authenticate(username, password, ctx.ip);
    if (!outcome.ok) {
      if (outcome.reason === 'unavailable') throw new Error('the user store cannot be reached');
      throw new errors.InvalidGrant(outcome.reason === 'rate-limited' ? 'too many failed attempts; try again later' : 'invalid user name or password');
    }
    const user = outcome.user;
    const client = ctx.oidc.client;
    const p = this.provider;
    const appScopes = await this.appScopes(client.clientId);
    const scopes = grantedScopes(scope, appScopes, user.roles, this.o.scopeRoles).join(' ');
    const grant = new p.Grant({ accountId: user.name, clientId: client.clientId });
    grant['addResourceScope'](RESOURCE, scopes);
    const grantId = await grant.save();
    const at = new p.AccessToken({ accountId: user.name, client, grantId, gty: 'password' });
    at['resourceServer'] = new p.ResourceServer(RESOURCE, resourceServer(appScopes));
    at['scope'] = scopes || undefined;
    ctx.oidc.entity('AccessToken', at);
    const accessToken = await at.save();
    let refreshToken: string | undefined;
    if (client.grantTypeAllowed('refresh_token')) {
      const rt = new p.RefreshToken({ accountId: user.name, client, grantId, gty: 'password', resource: RESOURCE, rotations: 0, scope: scopes || undefined, authTime: Math.floor(Date.now() / 1000) });
      ctx.oidc.entity('RefreshToken', rt);
      refreshToken = await rt.save();
    }
    ctx.body = { access_token: accessToken, expires_in: at.expiration, refresh_token: refreshToken, scope: scopes || undefined, token_type: 'Bearer' };
    await next();
  }

  /** GET: the sign-in form of a login interaction; POST: checks it, then resumes the authorization. */
  private async login(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    if (!/^[\w-]{1,64}$/.test(uid) || (req.method !== 'GET' && req.method !== 'POST')) {
      req.resume();
      plainError(res, 404, 'Not found.');
      return;
    }
    const p = this.provider;
    let details;
    try {
      details = await p.interactionDetails(req, res);
    } catch {
      details = undefined;
    }
    if (details === undefined || details.uid !== uid) {
      req.resume();
      plainError(res, 400, 'This sign-in has expired or was started elsewhere; start again from the application.');
      return;
    }
    const client = await p.Client.find(details.params.client_id);
    const appName = client?.clientName ?? details.params.client_id;
    const action = `${MOUNT}/login/${uid}`;
    const csrf = csrfToken(this.formSecret, uid);
    if (req.method === 'GET') {
      renderLogin(res, 200, action, csrf, appName, false);
      return;
    }
    const form = await readForm(req);
    if (form === undefined || !csrfMatches(this.formSecret, uid, form.get('csrf') ?? undefined)) {
      plainError(res, 403, 'The sign-in form was not sent from this page; start again from the application.');
      return;
    }
    const outcome = await this.o.auth.authenticate(form.get('username') ?? '', form.get('password') ?? '', req.socket.remoteAddress);
    if (!outcome.ok) {
      if (outcome.reason === 'invalid') renderLogin(res, 401, action, csrf, appName, true);
      else if (outcome.reason === 'rate-limited') plainError(res, 429, 'Too many failed attempts; try again later.');
      else plainError(res, 503, 'Sign-in is not available right now; try again later.');
      return;
    }
    const user = outcome.user;
    const requested = typeof details.params.scope === 'string' ? details.params.scope : undefined;
    const scopes = grantedScopes(requested, await this.appScopes(details.params.client_id), user.roles, this.o.scopeRoles);
    const grant = new p.Grant({ accountId: user.name, clientId: details.params.client_id });
    grant['addResourceScope'](RESOURCE, scopes.join(' '));
    if (requested?.split(' ').includes('openid')) grant['addOIDCScope']('openid');
    const grantId = await grant.save();
    const returnTo = await p.interactionResult(req, res, { login: { accountId: user.name }, consent: { grantId } }, { mergeWithLastSubmission: false });
    res.writeHead(303, { location: returnTo, 'cache-control': 'no-store', 'content-length': 0 });
    res.end();
  }
}
