/**
 * JWT bearer tokens, verified with jose against the `[[jwt_issuer]]` whose `iss` the token names: the
 * signature (a key from the issuer's JWKS, fetched and cached, fetched again for an unknown `kid`; or the
 * issuer's certificate), the algorithm (the issuer's allow-list, asymmetric only, so `none` and an HMAC
 * signed with the public key are refused before any key is touched), exp and nbf with the issuer's clock
 * skew, and the audience. A verified token is kept until it expires (or `[api_security] token_cache_ttl`,
 * whichever first), so a repeat costs one map lookup and stays synchronous; the same token arriving twice
 * while it is being verified is verified once. A token is never logged.
 */
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { KeyObject } from 'node:crypto';
import { Errors } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { ApiSecuritySettings, JwtIssuerConfig } from './gateway-config.js';
import { FaultCodes, type GatewayRefusal } from './gateway-fault.js';

export interface VerifiedToken {
  readonly failed?: undefined;
  /** The end user: `sub`. */
  readonly user: string;
  readonly scopes: ReadonlySet<string>;
  /** The scopes as Micro Integrator's OAuth2AuthorizationHandler sets its `Scopes` property: `[a, b]`. */
  readonly scopesText: string;
  readonly claims: Readonly<JWTPayload>;
  /** exp plus the issuer's clock skew, in ms. */
  readonly validUntil: number;
  /** When the cache forgets it, in ms. */
  readonly cachedUntil: number;
}

export interface TokenFailure extends GatewayRefusal {
  readonly failed: true;
}

export type TokenOutcome = VerifiedToken | TokenFailure;

/**
 * The cache key of a token: its last 32 characters, the end of the signature, which differs from token to
 * token. Hashing a whole token (~800 characters) for a Map lookup costs microseconds on every request; the
 * entry holds the token, compared in full, so two tokens that end alike only replace each other.
 */
function cacheKey(token: string): string {
  return token.length > 64 ? token.slice(-32) : token;
}

interface CacheEntry {
  readonly token: string;
  readonly verified: VerifiedToken;
  /** The issuer's revocation check (the local token service), asked on every hit. */
  readonly revoked: JwtIssuerConfig['revoked'];
}

const INVALID: TokenFailure = Object.freeze({ failed: true, code: FaultCodes.INVALID_CREDENTIALS, reason: 'Invalid Credentials' });
const UNAVAILABLE: TokenFailure = Object.freeze({ failed: true, code: FaultCodes.GENERAL_ERROR, reason: 'Error while retrieving the signing keys of the token issuer' });

/** The JWKS could not be fetched or read: a server-side failure, not the token's. */
class JwksUnavailable extends Error {}

/** Scopes from `scope` (space-separated, or an array) or `scp` (an array, or space-separated). */
export function scopesOf(claims: JWTPayload): string[] {
  const v = claims['scope'] ?? claims['scp'];
  if (typeof v === 'string') return v.split(/\s+/).filter(Boolean);
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

const REVOCATION_UNKNOWN: TokenFailure = Object.freeze({ failed: true, code: FaultCodes.GENERAL_ERROR, reason: 'Error while checking the revocation of the token' });

/** The token, unless its issuer says its jti was revoked (a token without a jti cannot be told apart: refused). */
function notRevoked(v: VerifiedToken, revoked: (jti: string) => boolean | Promise<boolean>): TokenOutcome | Promise<TokenOutcome> {
  const jti = v.claims.jti;
  if (typeof jti !== 'string') return INVALID;
  let r: boolean | Promise<boolean>;
  try {
    r = revoked(jti);
  } catch {
    return REVOCATION_UNKNOWN;
  }
  if (typeof r === 'boolean') return r ? INVALID : v;
  return r.then(
    (yes) => (yes ? INVALID : v),
    () => REVOCATION_UNKNOWN,
  );
}

interface Issuer {
  readonly config: JwtIssuerConfig;
  readonly key: KeyObject | JWTVerifyGetKey;
  /** Whether its JWKS failed last time (one log line per outage). */
  down: boolean;
}

export class JwtVerifier {
  private readonly issuers = new Map<string, Issuer>();
  private readonly cache = new Map<string, CacheEntry>();
  private readonly pending = new Map<string, Promise<TokenOutcome>>();
  /** Issuers announced before they can be added (the local token service, whose URL is known once HTTPS listens). */
  private expected = 0;

  constructor(
    configs: readonly JwtIssuerConfig[],
    private readonly settings: ApiSecuritySettings,
    private readonly log: Logger,
  ) {
    for (const c of configs) this.issuers.set(c.issuer, { config: c, key: c.publicKey ?? this.remoteKeys(c), down: false });
  }

  get configured(): boolean {
    return this.issuers.size > 0 || this.expected > 0;
  }

  /** Says an issuer will be added (so APIs with oauth2 deploy before it is). */
  expectIssuer(): void {
    this.expected++;
  }

  /** Trusts one more issuer from now on (the local token service, once its URL is known). */
  addIssuer(c: JwtIssuerConfig): void {
    this.issuers.set(c.issuer, { config: c, key: c.publicKey ?? this.remoteKeys(c), down: false });
  }

  /** Whether `iss` is the issuer of a [[jwt_issuer]]. */
  knows(iss: string): boolean {
    return this.issuers.has(iss);
  }

  /** The outcome: synchronous for a cached token, a Promise when it must be verified. */
  check(token: string): TokenOutcome | Promise<TokenOutcome> {
    return this.cached(token) ?? this.verifyOnce(token);
  }

  /** The cached outcome of a token verified before, or undefined; a Promise only while a revocation is asked about. */
  cached(token: string): TokenOutcome | Promise<TokenOutcome> | undefined {
    const key = cacheKey(token);
    const entry = this.cache.get(key);
    if (entry === undefined || entry.token !== token) return undefined;
    const hit = entry.verified;
    const now = Date.now();
    if (now <= hit.cachedUntil) return now > hit.validUntil ? INVALID : entry.revoked === undefined ? hit : notRevoked(hit, entry.revoked);
    this.cache.delete(key);
    return undefined;
  }

  /** Verifies a token not in the cache; the same token arriving while it is verified shares the verification. */
  verifyOnce(token: string): Promise<TokenOutcome> {
    let p = this.pending.get(token);
    if (p === undefined) {
      p = this.verify(token).finally(() => this.pending.delete(token));
      this.pending.set(token, p);
    }
    return p;
  }

  private remoteKeys(c: JwtIssuerConfig): JWTVerifyGetKey {
    const remote = createRemoteJWKSet(c.jwksUrl!, {
      timeoutDuration: c.jwksTimeoutMs,
      cooldownDuration: c.jwksCooldownSeconds * 1000,
      cacheMaxAge: c.jwksCacheSeconds * 1000,
    });
    return async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        // a kid or algorithm the set does not have is the token's fault; a fetch that failed is not
        const fetchFailed = !(err instanceof errors.JOSEError) || err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err.code === 'ERR_JOSE_GENERIC';
        if (fetchFailed) throw new JwksUnavailable((err as Error).message);
        throw err;
      }
    };
  }

  private async verify(token: string): Promise<TokenOutcome> {
    let issuer: Issuer | undefined;
    try {
      const alg = decodeProtectedHeader(token).alg;
      const iss = decodeJwt(token).iss;
      issuer = iss === undefined ? undefined : this.issuers.get(iss);
      if (issuer === undefined || alg === undefined || !issuer.config.algorithms.includes(alg)) return INVALID;
    } catch {
      return INVALID; // not a JWS compact JWT
    }
    const c = issuer.config;
    try {
      const { payload } = await jwtVerify(token, issuer.key as KeyObject, {
        issuer: c.issuer,
        audience: c.audience as string[] | undefined,
        algorithms: c.algorithms as string[],
        clockTolerance: c.clockSkewSeconds,
        requiredClaims: ['exp'],
      });
      if (issuer.down) {
        issuer.down = false;
        this.log.info(`JWKS of [[jwt_issuer]] ${c.name} answers again`);
      }
      const verified = this.remember(token, payload, c);
      return c.revoked === undefined ? verified : await notRevoked(verified, c.revoked);
    } catch (err) {
      if (err instanceof JwksUnavailable) {
        if (!issuer.down) {
          issuer.down = true;
          this.log.error(`${Errors.JWKS_UNAVAILABLE.code}  JWKS of [[jwt_issuer]] ${c.name} (${c.jwksUrl?.href}) cannot be read: ${err.message}; its tokens are refused until it answers`);
        }
        return UNAVAILABLE;
      }
      return INVALID;
    }
  }

  private remember(token: string, claims: JWTPayload, c: JwtIssuerConfig): VerifiedToken {
    const scopes = scopesOf(claims);
    const now = Date.now();
    const validUntil = claims.exp! * 1000 + c.clockSkewSeconds * 1000;
    const v: VerifiedToken = Object.freeze({
      user: typeof claims.sub === 'string' ? claims.sub : '',
      scopes: new Set(scopes),
      scopesText: `[${scopes.join(', ')}]`,
      claims: Object.freeze(claims),
      validUntil,
      cachedUntil: Math.min(validUntil, now + this.settings.tokenCacheSeconds * 1000),
    });
    const max = this.settings.tokenCacheSize;
    if (max > 0) {
      const key = cacheKey(token);
      if (this.cache.size >= max && !this.cache.has(key)) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { token, verified: v, revoked: c.revoked });
    }
    return v;
  }
}
