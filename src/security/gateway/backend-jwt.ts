/**
 * The JWT the gateway sends to the backend (`[apim.jwt]`), as API Manager's gateway writes it
 * (AbstractAPIMgtGatewayJWTGenerator, APIMgtGatewayJWTGeneratorImpl, JWTUtil):
 *
 *   header  {"typ":"JWT","alg":"RS256","x5t":"<base64url of the hex SHA-1 of the certificate>","kid":"<base64url of issuerDN#serial>"}
 *   claims  iss, exp, iat, jti, <dialect>/apiname, apicontext, version, keytype, usertype, enduser,
 *           enduserTenantId (+ applicationid/applicationname for an API key), then the token's own claims
 *           except the registered ones and `excluded_claims`; and here also sub, scope, role, resource
 *
 * signed with the primary key store's RSA key (SHA256withRSA, RS256), or unsigned (`NONE`: `header.claims.`),
 * each part in standard Base64 without padding (API Manager's default) or Base64URL.
 *
 * A JWT is made once per (credential, API resource) and kept until shortly before it expires, in a cache
 * bounded by `[api_security] token_cache_size`: a repeat call costs a map lookup, not a signature. The
 * cache holds the Caller the message carries (`mc.caller`), so a hit allocates nothing.
 */
import { createPublicKey, createHash, randomUUID, sign, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Caller } from '../../context/caller.js';
import type { ApiInfo, ResourceInfo } from '../../context/handler-contract.js';
import { Errors, MiError } from '../../errors.js';
import type { PrimaryKeyStore } from '../keys/primary-keystore.js';
import type { BackendJwtConfig } from './backend-jwt-config.js';

/** Claims of a token API Manager never copies into the backend JWT (APIMgtGatewayJWTGeneratorImpl's restrictedClaims). */
const RESTRICTED_CLAIMS: ReadonlySet<string> = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'application', 'tierInfo', 'subscribedAPIs']);
/** API Manager's super tenant: every user here belongs to it. */
const SUPER_TENANT = 'carbon.super';
const SUPER_TENANT_ID = '-1234';
/** JWTConstants.AUTH_APPLICATION_USER_LEVEL_TOKEN. */
const USER_TYPE = 'Application_User';

/** Who was admitted, before a JWT is attached. */
export type CallerIdentity = Omit<Caller, 'backendJwt' | 'backendJwtHeader'>;

interface CacheEntry {
  readonly caller: Caller;
  /** What must match besides the cache key (the whole token, a user's roles, a key's name); kept out of the Caller mediators see. */
  readonly proof: string;
  /** When the entry is replaced (ms): shortly before the JWT expires. */
  readonly refreshAt: number;
}

/** The signing material of the primary key store. */
interface SigningKey {
  readonly privateKey: KeyObject;
  readonly certificate: X509Certificate;
}

/** Java's X509Certificate.getIssuerDN().getName(): the RDNs most specific first, joined with ", ". */
function javaIssuerName(cert: X509Certificate): string {
  return cert.issuer.split('\n').reverse().join(', ');
}

/** API Manager's kid (JWTUtil.getKID): base64url, no padding, of `issuerDN#serial` with the serial in decimal. */
export function apimKeyId(cert: X509Certificate): string {
  const serial = BigInt(`0x${cert.serialNumber}`).toString();
  return Buffer.from(`${javaIssuerName(cert)}#${serial}`, 'utf8').toString('base64url');
}

/** API Manager's x5t (JWTUtil.generateHeader): Base64URL, with padding, of the lower-case hex SHA-1 of the DER certificate. */
export function apimThumbprint(cert: X509Certificate): string {
  const hex = createHash('sha1').update(cert.raw).digest('hex');
  return Buffer.from(hex, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

export class BackendJwt {
  /** The header name in lower case, for the transport header map. */
  readonly headerKey: string;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly resourceIds = new WeakMap<object, string>();
  private nextResourceId = 1;
  private encodedHeader = '';
  private readonly dialect: string;
  private signing: SigningKey | undefined;
  private keyLoaded = false;
  /** The `kid` of the signing key (also in the JWKS); undefined without a key store (NONE). */
  kid: string | undefined;
  /** Milliseconds before exp when a cached JWT is replaced, so a backend never gets one about to expire. */
  private readonly refreshMarginMs: number;

  private constructor(
    readonly config: BackendJwtConfig,
    private readonly keystore: PrimaryKeyStore,
    private readonly maxEntries: number,
  ) {
    this.headerKey = config.header.toLowerCase();
    const d = config.claimDialect;
    this.dialect = d === '' || d === '/' ? d : `${d}/`;
    this.refreshMarginMs = Math.min(30_000, config.expirySeconds * 100);
  }

  /**
   * The generator of `[apim.jwt]`. Its key is loaded now when a key store is there, so a key that cannot
   * sign stops the start, not the first request; without one yet (`mi start` makes the development key
   * store after reading the configuration), the server calls loadKey() once it is made.
   */
  static create(config: BackendJwtConfig, keystore: PrimaryKeyStore, maxEntries: number): BackendJwt {
    const b = new BackendJwt(config, keystore, maxEntries);
    if (keystore.settings() !== undefined) b.loadKey();
    return b;
  }

  /**
   * Loads the primary key store's key and certificate (once) and builds the JWT header. SHA256withRSA needs
   * an RSA key (MI_API_061 otherwise); NONE uses the certificate only for `kid`, when there is one.
   */
  loadKey(): void {
    if (this.keyLoaded) return;
    const cfg = this.config;
    const wanted = cfg.algorithm !== 'NONE';
    let signing: SigningKey | undefined;
    if (wanted || this.keystore.settings() !== undefined) {
      try {
        const k = this.keystore.get();
        signing = { privateKey: k.privateKey, certificate: new X509Certificate(k.certificates[0]!) };
      } catch (err) {
        if (wanted) throw new MiError(Errors.BACKEND_JWT_KEY, `[apim.jwt] signing_algorithm = "SHA256withRSA" needs the primary key store: ${(err as Error).message}`);
      }
      if (wanted && signing!.privateKey.asymmetricKeyType !== 'rsa') {
        throw new MiError(Errors.BACKEND_JWT_KEY, `[apim.jwt] signing_algorithm = "SHA256withRSA" needs an RSA key; the primary key store holds a ${signing!.privateKey.asymmetricKeyType} key`);
      }
    }
    this.signing = signing;
    this.kid = signing ? apimKeyId(signing.certificate) : undefined;
    const header: Record<string, string> = { typ: 'JWT', alg: wanted ? 'RS256' : 'none' };
    if (wanted) header['x5t'] = apimThumbprint(signing!.certificate);
    if (cfg.useKid && this.kid !== undefined) header['kid'] = this.kid;
    this.encodedHeader = this.encode(Buffer.from(JSON.stringify(header), 'utf8'));
    this.keyLoaded = true;
  }

  /** The public key as a JWKS (the same `kid` as the JWTs), as API Manager's gateway serves it at /jwks. */
  jwks(): { keys: JsonWebKey[] } {
    this.loadKey();
    if (!this.signing) return { keys: [] };
    const jwk = createPublicKey(this.signing.privateKey).export({ format: 'jwk' });
    return { keys: [{ kty: jwk.kty, e: jwk.e, use: 'sig', kid: this.kid, alg: 'RS256', n: jwk.n }] };
  }

  /**
   * The caller with its backend JWT for this credential on this API resource: the cached one while it is
   * fresh, else a new one. `credential` keys the cache (short); `proof` must match too (the whole token, ...).
   */
  callerFor(api: ApiInfo | undefined, resource: ResourceInfo | undefined, credential: string, proof: string, identity: () => CallerIdentity): Caller {
    const key = `${this.resourceId(resource ?? api)}\n${credential}`;
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.proof === proof && Date.now() < hit.refreshAt) return hit.caller;
    return this.issue(key, api, resource, proof, identity());
  }

  private resourceId(target: object | undefined): string {
    if (target === undefined) return '0';
    let id = this.resourceIds.get(target);
    if (id === undefined) {
      id = String(this.nextResourceId++);
      this.resourceIds.set(target, id);
    }
    return id;
  }

  private issue(key: string, api: ApiInfo | undefined, resource: ResourceInfo | undefined, proof: string, who: CallerIdentity): Caller {
    this.loadKey();
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + this.config.expirySeconds;
    const claims = this.claims(who, api, resource, iat, exp);
    const signingInput = `${this.encodedHeader}.${this.encode(Buffer.from(JSON.stringify(claims), 'utf8'))}`;
    const signature = this.signing && this.config.algorithm !== 'NONE' ? this.encode(sign('sha256', Buffer.from(signingInput, 'utf8'), this.signing.privateKey)) : '';
    const caller: Caller = Object.freeze({ ...who, backendJwt: `${signingInput}.${signature}`, backendJwtHeader: this.headerKey });
    if (this.maxEntries > 0) {
      if (this.cache.size >= this.maxEntries && !this.cache.has(key)) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { caller, proof, refreshAt: exp * 1000 - this.refreshMarginMs });
    }
    return caller;
  }

  /** The claims, in APIMgtGatewayJWTGeneratorImpl's order of precedence: its standard claims, then the token's. */
  private claims(who: CallerIdentity, api: ApiInfo | undefined, resource: ResourceInfo | undefined, iat: number, exp: number): Record<string, unknown> {
    const cfg = this.config;
    const d = this.dialect;
    const enduser = who.user.endsWith(`@${SUPER_TENANT}`) ? who.user : `${who.user}@${SUPER_TENANT}`;
    const c: Record<string, unknown> = { iss: cfg.issuer, exp, iat };
    if (who.scheme === 'api_key') {
      if (who.keyId !== undefined) c[`${d}applicationid`] = who.keyId;
      c[`${d}applicationname`] = who.user;
    }
    if (api) {
      c[`${d}apiname`] = api.name;
      c[`${d}apicontext`] = api.context;
      if (api.version) c[`${d}version`] = api.version;
    }
    c[`${d}keytype`] = 'PRODUCTION';
    c[`${d}usertype`] = USER_TYPE;
    c[`${d}enduser`] = enduser;
    c[`${d}enduserTenantId`] = SUPER_TENANT_ID;
    const excluded = cfg.excludedClaims;
    const own = who.claims;
    if (own) {
      for (const k of Object.keys(own)) if (!RESTRICTED_CLAIMS.has(k) && !excluded.has(k) && !(k in c)) c[k] = own[k];
    }
    // beyond API Manager: what standard JWT libraries and most backends read first
    const extra = (name: string, value: unknown): void => {
      if (!excluded.has(name) && !(name in c)) c[name] = value;
    };
    extra('sub', who.user);
    if (who.scopes.length) extra('scope', who.scopes.join(' '));
    if (cfg.userClaims && who.roles?.length) extra(`${d}role`, who.roles.join(','));
    const template = resource?.uriTemplate ?? resource?.urlMapping;
    if (template !== undefined) extra(`${d}resource`, template);
    for (const [k, v] of Object.entries(cfg.customClaims)) extra(k, v);
    c['jti'] = randomUUID();
    return c;
  }

  private encode(b: Buffer): string {
    return this.config.encoding === 'base64url' ? b.toString('base64url') : b.toString('base64').replace(/=+$/, '');
  }
}
