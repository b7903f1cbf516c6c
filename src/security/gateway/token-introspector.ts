/**
 * Opaque bearer tokens, checked by RFC 7662 token introspection at the `[[key_manager]]`s, as API Manager's
 * gateway asks a key manager whose token validation method is introspection:
 *
 *   POST introspection_url   Authorization: Basic client_id:client_secret (RFC 6749 2.3.1 encoding)
 *   token=...&token_type_hint=access_token          ->   {"active":true,"scope":"a b","exp":...,"sub":...}
 *
 * `active: false` (or a token the answer does not let through: expired, not yet valid, another issuer or
 * audience, a token type other than Bearer, a sender-constrained token) is 900901; a key manager that
 * cannot be reached, times out, refuses the gateway's credentials or answers something else is 900900
 * with one log line per outage (MI_API_031), as API Manager answers "Error while accessing backend services
 * for API key validation". Several key managers are asked in order until one knows the token.
 *
 * Results are cached by a SHA-256 of the token (never the token itself): an active token until `cache_ttl`
 * or its `exp`, whichever first, so a repeat costs a hash and a map lookup and stays synchronous; an
 * inactive one for `inactive_cache_ttl`, so a flood of a bad token costs one call. Concurrent checks of one
 * token share one call. Calls go through one undici pool per key manager (`max_connections`, keep-alive),
 * with at most `max_queued` waiting (MI_API_032 beyond). Tokens never appear in logs.
 */
import { createHash } from 'node:crypto';
import { Pool } from 'undici';
import { Errors } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { ApiSecuritySettings } from './gateway-config.js';
import { FaultCodes } from './gateway-fault.js';
import type { KeyManagerConfig } from './key-manager-config.js';
import { scopesOf, type TokenFailure, type TokenOutcome, type VerifiedToken } from './jwt-verifier.js';

const INVALID: TokenFailure = Object.freeze({ failed: true, code: FaultCodes.INVALID_CREDENTIALS, reason: 'Invalid Credentials' });
/** API Manager's words when its key manager cannot be asked (APIKeyValidator, API_AUTH_GENERAL_ERROR). */
const UNAVAILABLE: TokenFailure = Object.freeze({ failed: true, code: FaultCodes.GENERAL_ERROR, reason: 'Error while accessing backend services for API key validation' });

/** An introspection answer larger than this is not one. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface KeyManager {
  readonly config: KeyManagerConfig;
  readonly pool: Pool;
  readonly path: string;
  readonly authorization: string;
  /** Introspection calls running or waiting for a connection. */
  inFlight: number;
  /** Whether the last call failed (one log line per outage) / whether the queue overflowed (one per episode). */
  down: boolean;
  busy: boolean;
}

/** The key manager's verdict on one token: what it says, or that it could not be asked. */
type Answer = { readonly known: true; readonly outcome: TokenOutcome } | { readonly known: false; readonly failed: boolean };

/** Key for the caches: the token's SHA-256, so no token sits in memory as a key. */
function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}

/** RFC 6749 2.3.1: client_id and client_secret are form-encoded before they are joined for Basic. */
function formEncode(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+');
}

function audienceOf(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export class TokenIntrospector {
  private readonly managers: KeyManager[];
  /** Key managers for opaque tokens (all) and for JWTs of no known issuer (those without `issuer`). */
  private readonly unbound: KeyManager[];
  private readonly active = new Map<string, VerifiedToken>();
  /** Token key -> until when (ms) it is refused without asking. */
  private readonly inactive = new Map<string, number>();
  private readonly pending = new Map<string, Promise<TokenOutcome>>();

  constructor(
    configs: readonly KeyManagerConfig[],
    private readonly settings: ApiSecuritySettings,
    private readonly log: Logger,
    /** The CAs an https key manager's certificate must chain to; undefined: Node's (the public CAs). */
    ca?: readonly string[],
  ) {
    this.managers = configs.map((c) => ({
      config: c,
      pool: new Pool(c.introspectionUrl.origin, { connections: c.maxConnections, connect: { timeout: c.timeoutMs, ...(ca ? { ca: [...ca] } : {}) } }),
      path: c.introspectionUrl.pathname + c.introspectionUrl.search,
      authorization: `Basic ${Buffer.from(`${formEncode(c.clientId)}:${formEncode(c.clientSecret)}`).toString('base64')}`,
      inFlight: 0,
      down: false,
      busy: false,
    }));
    this.unbound = this.managers.filter((m) => m.config.issuer === undefined);
  }

  get configured(): boolean {
    return this.managers.length > 0;
  }

  /**
   * The key managers to ask about a token: every one for an opaque token (jwtIssuer null); for a JWT of no
   * [[jwt_issuer]], those whose `issuer` is its `iss`, else those bound to no issuer.
   */
  managersFor(jwtIssuer: string | undefined | null): readonly KeyManager[] {
    if (jwtIssuer === null) return this.managers;
    if (jwtIssuer !== undefined) {
      const bound = this.managers.filter((m) => m.config.issuer === jwtIssuer);
      if (bound.length) return bound;
    }
    return this.unbound;
  }

  /** The outcome: synchronous for a cached token, a Promise when a key manager must be asked. */
  check(token: string, managers: readonly KeyManager[]): TokenOutcome | Promise<TokenOutcome> {
    if (!managers.length) return INVALID;
    const key = tokenKey(token);
    const now = Date.now();
    const hit = this.active.get(key);
    if (hit !== undefined) {
      if (now <= hit.cachedUntil) return now <= hit.validUntil ? hit : INVALID;
      this.active.delete(key);
    }
    const until = this.inactive.get(key);
    if (until !== undefined) {
      if (now <= until) return INVALID;
      this.inactive.delete(key);
    }
    let p = this.pending.get(key);
    if (p === undefined) {
      p = this.ask(token, key, managers).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  async close(): Promise<void> {
    await Promise.all(this.managers.map((m) => m.pool.close().catch(() => {})));
  }

  private async ask(token: string, key: string, managers: readonly KeyManager[]): Promise<TokenOutcome> {
    let failed = false;
    for (const m of managers) {
      const a = await this.introspect(m, token);
      if (a.known) {
        if (!a.outcome.failed) this.remember(key, a.outcome, m.config);
        else this.forget(key, m.config.inactiveCacheSeconds);
        return a.outcome;
      }
      failed ||= a.failed;
    }
    if (failed) return UNAVAILABLE;
    this.forget(key, Math.min(...managers.map((m) => m.config.inactiveCacheSeconds)));
    return INVALID;
  }

  /** One introspection call; `known: false` when the key manager does not know the token or could not be asked. */
  private async introspect(m: KeyManager, token: string): Promise<Answer> {
    const c = m.config;
    if (m.inFlight >= c.maxConnections + c.maxQueued) {
      if (!m.busy) {
        m.busy = true;
        this.log.error(`${Errors.KEY_MANAGER_BUSY.code}  [[key_manager]] ${c.name} has ${m.inFlight} introspections running or waiting; new tokens are refused until they drain`);
      }
      return { known: false, failed: true };
    }
    m.inFlight++;
    let answer: unknown;
    try {
      answer = await this.call(m, token);
    } catch (err) {
      if (!m.down) {
        m.down = true;
        this.log.error(`${Errors.KEY_MANAGER_UNAVAILABLE.code}  [[key_manager]] ${c.name} (${c.introspectionUrl.href}) cannot be asked: ${(err as Error).message}; its tokens are refused until it answers`);
      }
      return { known: false, failed: true };
    } finally {
      m.inFlight--;
      if (m.busy && m.inFlight < c.maxConnections) m.busy = false;
    }
    if (m.down) {
      m.down = false;
      this.log.info(`[[key_manager]] ${c.name} answers again`);
    }
    const r = answer as Record<string, unknown>;
    if (r['active'] !== true) return { known: false, failed: false };
    return { known: true, outcome: this.judge(r, c) };
  }

  /** POSTs the token; the parsed answer, or an error whose message says what went wrong (never the token). */
  private async call(m: KeyManager, token: string): Promise<unknown> {
    const ms = m.config.timeoutMs;
    let res;
    try {
      res = await m.pool.request({
        path: m.path,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: m.authorization },
        body: `token=${encodeURIComponent(token)}&token_type_hint=access_token`,
        signal: AbortSignal.timeout(ms),
        headersTimeout: ms,
        bodyTimeout: ms,
      });
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Error(`no answer within ${ms} ms`);
      throw new Error(e.cause?.code ?? e.code ?? e.cause?.message ?? e.message);
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => {});
      throw new Error(`it answered HTTP ${res.statusCode}${res.statusCode === 401 ? ' (are client_id and client_secret right?)' : ''}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        res.body.destroy();
        throw new Error(`its answer is larger than ${MAX_ANSWER_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new Error('its answer is not JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as Record<string, unknown>)['active'] !== 'boolean') {
      throw new Error('its answer is not an introspection response (no boolean "active")');
    }
    return parsed;
  }

  /** An active token's answer, checked as a JWT's claims are: the verdict, with what admission hands on. */
  private judge(r: Record<string, unknown>, c: KeyManagerConfig): TokenOutcome {
    const now = Date.now();
    const skew = c.clockSkewSeconds * 1000;
    const tokenType = r['token_type'];
    // a refresh token or a DPoP / mTLS-bound token is not a bearer access token, and no proof of possession is checked here
    if ((tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) || r['cnf'] !== undefined) return INVALID;
    const exp = r['exp'];
    const validUntil = typeof exp === 'number' ? exp * 1000 + skew : Infinity;
    if (exp !== undefined && (typeof exp !== 'number' || validUntil < now)) return INVALID;
    const nbf = r['nbf'];
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf * 1000 - skew > now)) return INVALID;
    if (c.issuer !== undefined && r['iss'] !== undefined && r['iss'] !== c.issuer) return INVALID;
    if (c.audience !== undefined && !audienceOf(r['aud']).some((a) => c.audience!.includes(a))) return INVALID;
    const scopes = scopesOf(r);
    const user = [r['sub'], r['username'], r['client_id']].find((v): v is string => typeof v === 'string' && v !== '') ?? '';
    return Object.freeze({
      user,
      scopes: new Set(scopes),
      scopesText: `[${scopes.join(', ')}]`,
      claims: Object.freeze(r),
      validUntil,
      cachedUntil: Math.min(validUntil, now + c.cacheSeconds * 1000),
    });
  }

  private remember(key: string, v: VerifiedToken, c: KeyManagerConfig): void {
    const max = this.settings.tokenCacheSize;
    if (max <= 0 || c.cacheSeconds <= 0) return;
    if (this.active.size >= max) this.active.delete(this.active.keys().next().value!);
    this.active.set(key, v);
  }

  private forget(key: string, seconds: number): void {
    const max = this.settings.tokenCacheSize;
    if (max <= 0 || seconds <= 0) return;
    if (this.inactive.size >= max) this.inactive.delete(this.inactive.keys().next().value!);
    this.inactive.set(key, Date.now() + seconds * 1000);
  }
}
