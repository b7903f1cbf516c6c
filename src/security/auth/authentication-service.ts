/**
 * The one authentication service (see authenticator.ts). In front of the stores it keeps:
 * - a positive cache (user -> HMAC of the password under a per-process key, roles): a hit costs one HMAC
 *   instead of a scrypt verification or a database round trip, which is what keeps Basic auth and
 *   UsernameToken cheap per request. No clear password is kept.
 * - a short negative cache of wrong passwords, so a client retrying the same bad credentials does not
 *   cost a verification each time.
 * - a failure counter per user and client address: after `maxFailures` within `failureWindow` further
 *   attempts are refused as 'rate-limited' (even with the right password) until the window has passed.
 * - a failure counter per client address whatever the user names (`maxAddressFailures`; an IPv6
 *   address counts as its /64, address-group.ts), so guessing with random user names is limited too. Successes do not reset it: one valid account must not let an
 *   address guess the others' passwords for free.
 * - a gate (verification-gate.ts) on the stores that hash: at most `maxConcurrentVerifications` scrypt
 *   checks run and `verificationQueueSize` wait; beyond that the answer comes at once, before any CPU.
 * A store that cannot be reached fails closed ('unavailable') with one log line naming the cause.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Errors, MiError } from '../../errors.js';
import type { LoggerFactory } from '../../logging/logger.js';
import type { AuthenticatedUser, Authenticator, AuthOutcome } from './authenticator.js';
import type { UserInfo, UserStore, WritableUserStore } from './user-store.js';
import { addressGroup } from './address-group.js';
import { VerificationGate } from './verification-gate.js';

export interface AuthenticationOptions {
  readonly logs: LoggerFactory;
  readonly adminRole?: string;
  /** How long a successful check is reused (ms); 0 turns the cache off. */
  readonly cacheTtlMs?: number;
  /** How long a wrong password is remembered as wrong (ms). */
  readonly negativeTtlMs?: number;
  /** Failed attempts per user and client address before attempts are refused. */
  readonly maxFailures?: number;
  readonly failureWindowMs?: number;
  /** Failed attempts from one client address, whatever the user names, within failureWindowMs. */
  readonly maxAddressFailures?: number;
  /** Password hashes (scrypt) verified at once; the rest wait in a queue. */
  readonly maxConcurrentVerifications?: number;
  /** Verifications that may wait; beyond that logins are refused at once (503). */
  readonly verificationQueueSize?: number;
  /** How long a verification may wait for its turn before it is refused (503), ms. */
  readonly verificationWaitMs?: number;
  /** Most users held in each cache; the oldest entries go first. */
  readonly cacheSize?: number;
}

/** What `[authentication]` leaves out. */
export const AUTHENTICATION_DEFAULTS = {
  cacheTtlMs: 60_000,
  negativeTtlMs: 5_000,
  maxFailures: 10,
  failureWindowMs: 60_000,
  maxAddressFailures: 30,
  maxConcurrentVerifications: 2,
  verificationQueueSize: 16,
  verificationWaitMs: 10_000,
} as const;

/**
 * `[authentication]` in deployment.toml: cache_ttl, negative_cache_ttl, failure_window (seconds),
 * max_failures, max_failures_per_address, max_concurrent_verifications, verification_queue_size.
 */
export function authenticationOptionsFrom(toml: Record<string, unknown>): Omit<AuthenticationOptions, 'logs'> {
  const t = (toml['authentication'] ?? {}) as Record<string, unknown>;
  const seconds = (k: string): number | undefined => (typeof t[k] === 'number' ? (t[k] as number) * 1000 : undefined);
  const count = (k: string, min: number): number | undefined => {
    const v = t[k];
    if (typeof v !== 'number') return undefined;
    if (!Number.isInteger(v) || v < min) throw new MiError(Errors.CONFIG_VALUE, `[authentication] ${k} must be a whole number of at least ${min}, got ${v}`);
    return v;
  };
  const superAdmin = (toml['super_admin'] ?? {}) as Record<string, unknown>;
  return {
    adminRole: typeof superAdmin['admin_role'] === 'string' ? (superAdmin['admin_role'] as string) : undefined,
    cacheTtlMs: seconds('cache_ttl'),
    negativeTtlMs: seconds('negative_cache_ttl'),
    failureWindowMs: seconds('failure_window'),
    maxFailures: typeof t['max_failures'] === 'number' ? (t['max_failures'] as number) : undefined,
    maxAddressFailures: count('max_failures_per_address', 1),
    maxConcurrentVerifications: count('max_concurrent_verifications', 1),
    verificationQueueSize: count('verification_queue_size', 0),
  };
}

interface Granted {
  readonly mac: Buffer;
  readonly user: AuthenticatedUser;
  readonly until: number;
}

interface Refused {
  readonly macs: Buffer[];
  until: number;
}

interface Failures {
  count: number;
  since: number;
}

const LOGGER = 'org.wso2.micro.integrator.security.user.core.UserStoreManager';
const RATE_LIMITED: AuthOutcome = { ok: false, reason: 'rate-limited' };
const INVALID: AuthOutcome = { ok: false, reason: 'invalid' };
const UNAVAILABLE: AuthOutcome = { ok: false, reason: 'unavailable' };
const BUSY: AuthOutcome = { ok: false, reason: 'unavailable', error: Errors.AUTH_BUSY, retryAfterSeconds: 1 };
const ADDRESS_BUSY: AuthOutcome = { ok: false, reason: 'rate-limited', error: Errors.AUTH_ADDRESS_BUSY, retryAfterSeconds: 1 };

export class AuthenticationService implements Authenticator {
  readonly adminRole: string;
  readonly retryAfterSeconds: number;
  readonly writable: WritableUserStore | undefined;
  private readonly key = randomBytes(32);
  private readonly granted = new Map<string, Granted>();
  private readonly refused = new Map<string, Refused>();
  private readonly failures = new Map<string, Failures>();
  private readonly addressFailures = new Map<string, Failures>();
  private readonly gate: VerificationGate;
  private readonly cacheTtlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxFailures: number;
  private readonly failureWindowMs: number;
  private readonly maxAddressFailures: number;
  private readonly addressLimited: AuthOutcome;
  private readonly cacheSize: number;
  private lastOutage = 0;
  private lastBusy = 0;

  constructor(
    private readonly stores: readonly UserStore[],
    private readonly options: AuthenticationOptions,
  ) {
    this.adminRole = options.adminRole ?? 'admin';
    this.writable = stores.find((s): s is WritableUserStore => !s.readOnly) as WritableUserStore | undefined;
    const d = AUTHENTICATION_DEFAULTS;
    this.cacheTtlMs = options.cacheTtlMs ?? d.cacheTtlMs;
    this.negativeTtlMs = options.negativeTtlMs ?? d.negativeTtlMs;
    this.maxFailures = options.maxFailures ?? d.maxFailures;
    this.failureWindowMs = options.failureWindowMs ?? d.failureWindowMs;
    this.retryAfterSeconds = Math.ceil(this.failureWindowMs / 1000);
    this.maxAddressFailures = options.maxAddressFailures ?? d.maxAddressFailures;
    this.addressLimited = { ok: false, reason: 'rate-limited', error: Errors.AUTH_ADDRESS_RATE_LIMITED, retryAfterSeconds: Math.ceil(this.failureWindowMs / 1000) };
    this.gate = new VerificationGate(options.maxConcurrentVerifications ?? d.maxConcurrentVerifications, options.verificationQueueSize ?? d.verificationQueueSize, options.verificationWaitMs ?? d.verificationWaitMs);
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  /** Password verifications running and waiting now. */
  get verifications(): { running: number; waiting: number } {
    return this.gate.load;
  }

  private mac(password: string): Buffer {
    return createHmac('sha256', this.key).update(password, 'utf8').digest();
  }

  cached(name: string, password: string, client = ''): AuthOutcome | undefined {
    const key = name.toLowerCase();
    const now = Date.now();
    if (this.isAddressLimited(client, now)) return this.addressLimited;
    if (this.isLimited(key, client, now)) return RATE_LIMITED;
    const g = this.granted.get(key);
    const r = this.refused.get(key);
    if ((!g || g.until <= now) && (!r || r.until <= now)) return undefined;
    const mac = this.mac(password);
    if (g && g.until > now && timingSafeEqual(g.mac, mac)) return { ok: true, user: g.user };
    if (r && r.until > now && r.macs.some((m) => timingSafeEqual(m, mac))) {
      this.countFailure(key, client, now);
      return INVALID;
    }
    return undefined;
  }

  async authenticate(name: string, password: string, client = ''): Promise<AuthOutcome> {
    const hit = this.cached(name, password, client);
    if (hit) return hit;
    const key = name.toLowerCase();
    let outage: unknown;
    for (const store of this.stores) {
      let info: UserInfo | undefined;
      let release: (() => void) | undefined;
      if (store.hashed) {
        const admission = this.gate.admit(addressGroup(client));
        if (!admission.ok) return this.refuseBusy(admission.reason, client);
        release = await admission.ready;
        if (!release) return this.refuseBusy('busy', client);
      }
      try {
        if (!(await store.verify(name, password))) continue;
        info = await store.user(name);
      } catch (err) {
        outage ??= err;
        continue;
      } finally {
        release?.();
      }
      if (!info) continue;
      const user: AuthenticatedUser = { name: info.name, roles: info.roles, isAdmin: info.isAdmin };
      this.failures.delete(failureKey(key, client));
      this.refused.delete(key);
      if (this.cacheTtlMs > 0) remember(this.granted, key, { mac: this.mac(password), user, until: Date.now() + this.cacheTtlMs }, this.cacheSize);
      return { ok: true, user };
    }
    if (outage !== undefined) {
      this.reportOutage(outage);
      return UNAVAILABLE;
    }
    const now = Date.now();
    this.countFailure(key, client, now);
    if (this.negativeTtlMs > 0) {
      const r = this.refused.get(key);
      const mac = this.mac(password);
      if (r && r.until > now) {
        if (r.macs.length < 8) r.macs.push(mac);
        r.until = now + this.negativeTtlMs;
      } else {
        remember(this.refused, key, { macs: [mac], until: now + this.negativeTtlMs }, this.cacheSize);
      }
    }
    return INVALID;
  }

  recordFailure(name: string, client = ''): 'invalid' | 'rate-limited' {
    const key = name.toLowerCase();
    const now = Date.now();
    if (this.isAddressLimited(client, now) || this.isLimited(key, client, now)) return 'rate-limited';
    this.countFailure(key, client, now);
    return this.isAddressLimited(client, now) || this.isLimited(key, client, now) ? 'rate-limited' : 'invalid';
  }

  async user(name: string): Promise<UserInfo | undefined> {
    for (const s of this.stores) {
      const u = await s.user(name);
      if (u) return u;
    }
    return undefined;
  }

  async users(): Promise<UserInfo[]> {
    const seen = new Set<string>();
    const all: UserInfo[] = [];
    for (const s of this.stores) {
      for (const u of await s.users()) {
        if (seen.has(u.name.toLowerCase())) continue;
        seen.add(u.name.toLowerCase());
        all.push(u);
      }
    }
    return all;
  }

  knownPassword(name: string): string | undefined {
    for (const s of this.stores) {
      const p = s.knownPassword?.(name);
      if (p !== undefined) return p;
    }
    return undefined;
  }

  invalidate(name?: string): void {
    if (name === undefined) {
      this.granted.clear();
      this.refused.clear();
      return;
    }
    this.granted.delete(name.toLowerCase());
    this.refused.delete(name.toLowerCase());
  }

  private isLimited(key: string, client: string, now: number): boolean {
    const f = this.failures.get(failureKey(key, client));
    if (!f) return false;
    if (now - f.since >= this.failureWindowMs) {
      this.failures.delete(failureKey(key, client));
      return false;
    }
    return f.count >= this.maxFailures;
  }

  /** No address (an in-process caller) is never limited as an address; its users still are. */
  private isAddressLimited(client: string, now: number): boolean {
    if (client === '') return false;
    const group = addressGroup(client);
    const f = this.addressFailures.get(group);
    if (!f) return false;
    if (now - f.since >= this.failureWindowMs) {
      this.addressFailures.delete(group);
      return false;
    }
    return f.count >= this.maxAddressFailures;
  }

  private countFailure(key: string, client: string, now: number): void {
    this.countAddressFailure(client, now);
    const fk = failureKey(key, client);
    const f = this.failures.get(fk);
    if (!f || now - f.since >= this.failureWindowMs) {
      remember(this.failures, fk, { count: 1, since: now }, this.cacheSize);
      return;
    }
    f.count++;
    if (f.count === this.maxFailures) {
      this.options.logs
        .get(LOGGER)
        .warn(`${Errors.AUTH_RATE_LIMITED.code}  ${this.maxFailures} failed logins for user '${key}' from ${client || 'an unknown address'} within ${Math.round(this.failureWindowMs / 1000)} s; further attempts are refused until the window has passed`);
    }
  }

  private countAddressFailure(client: string, now: number): void {
    if (client === '') return;
    const group = addressGroup(client);
    const f = this.addressFailures.get(group);
    if (!f || now - f.since >= this.failureWindowMs) {
      remember(this.addressFailures, group, { count: 1, since: now }, this.cacheSize);
      return;
    }
    f.count++;
    if (f.count === this.maxAddressFailures) {
      this.options.logs
        .get(LOGGER)
        .warn(`${Errors.AUTH_ADDRESS_RATE_LIMITED.code}  ${this.maxAddressFailures} failed logins from ${group} within ${Math.round(this.failureWindowMs / 1000)} s (any user names); every login from it is refused until the window has passed`);
    }
  }

  /** A full queue answers at once; one log line per burst (at most every 10 s), never per request. */
  private refuseBusy(reason: 'busy' | 'address-busy', client: string): AuthOutcome {
    const now = Date.now();
    if (now - this.lastBusy >= 10_000) {
      this.lastBusy = now;
      const { running, waiting } = this.gate.load;
      const why =
        reason === 'busy'
          ? `${running} password checks are running and ${waiting} waiting (max_concurrent_verifications ${this.gate.concurrency}, verification_queue_size ${this.gate.queueSize}, at most ${this.gate.maxWaitMs / 1000} s each); further logins are refused with 503`
          : `${client || 'an unknown address'} already has ${this.gate.perAddress} password checks waiting; its further logins are refused with 429`;
      this.options.logs.get(LOGGER).warn(`${(reason === 'busy' ? Errors.AUTH_BUSY : Errors.AUTH_ADDRESS_BUSY).code}  ${why} until the queue drains`);
    }
    return reason === 'busy' ? BUSY : ADDRESS_BUSY;
  }

  /** One line per outage burst (at most every 10 s), never per request. */
  private reportOutage(err: unknown): void {
    const now = Date.now();
    if (now - this.lastOutage < 10_000) return;
    this.lastOutage = now;
    const cause = err instanceof Error ? err.message : String(err);
    this.options.logs.get(LOGGER).error(`${Errors.AUTH_UNAVAILABLE.code}  the user store cannot be reached (${cause}); authentication fails closed until it is back`);
  }
}

function failureKey(user: string, client: string): string {
  return `${user}\u0000${client}`;
}

/** Map insertion order is age: when full, the oldest entry makes room. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}
