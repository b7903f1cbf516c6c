/**
 * Throttling tiers as WSO2 API Manager defines them: a request count per unit of time, and optionally a
 * burst limit (API Manager's "burst control", `rate_limit_count` per `rate_limit_time_unit`, a second or a
 * minute). The built-in tiers are API Manager's defaults (its subscription policies Gold, Silver, Bronze,
 * Unauthenticated; its application policies 50PerMin, 20PerMin, 10PerMin; its advanced (API and resource)
 * policies 50KPerMin, 20KPerMin, 10KPerMin; and Unlimited). deployment.toml adds or replaces tiers:
 *
 *   [[throttling.tier]]
 *   name = "Partner"
 *   request_count = 5
 *   unit_time = 1
 *   time_unit = "min"          # sec | min | hour | day
 *   rate_limit_count = 2       # burst control (optional)
 *   rate_limit_time_unit = "sec"   # sec | min
 */
import { Errors, MiError } from '../../errors.js';
import { Section, tableOf, type Table } from '../../config/section.js';

export interface Limit {
  /** Requests admitted per window. */
  readonly count: number;
  /** The window, in milliseconds. */
  readonly windowMs: number;
}

export interface Tier {
  readonly name: string;
  /** undefined: Unlimited (nothing is counted). */
  readonly quota: Limit | undefined;
  /** Burst control; undefined: none. */
  readonly burst: Limit | undefined;
}

export const UNLIMITED = 'Unlimited';

const UNIT_MS: Readonly<Record<string, number>> = { sec: 1000, min: 60_000, hour: 3_600_000, day: 86_400_000 };
const BURST_UNIT_MS: Readonly<Record<string, number>> = { sec: 1000, min: 60_000 };

const perMinute = (name: string, count: number): Tier => Object.freeze({ name, quota: Object.freeze({ count, windowMs: 60_000 }), burst: undefined });

/** API Manager's default policies (ThrottleConstants / APIConstants of carbon-apimgt). */
export const BUILT_IN_TIERS: readonly Tier[] = Object.freeze([
  Object.freeze({ name: UNLIMITED, quota: undefined, burst: undefined }),
  perMinute('Gold', 5000),
  perMinute('Silver', 2000),
  perMinute('Bronze', 1000),
  perMinute('Unauthenticated', 500),
  perMinute('50PerMin', 50),
  perMinute('20PerMin', 20),
  perMinute('10PerMin', 10),
  perMinute('50KPerMin', 50_000),
  perMinute('20KPerMin', 20_000),
  perMinute('10KPerMin', 10_000),
]);

/** Tiers by name: the built-ins, then deployment.toml's (a tier of a built-in's name replaces it). */
export class TierCatalog {
  private readonly byName = new Map<string, Tier>();

  constructor(defined: readonly Tier[] = []) {
    for (const t of BUILT_IN_TIERS) this.byName.set(t.name, t);
    for (const t of defined) this.byName.set(t.name, t);
  }

  get(name: string): Tier | undefined {
    return this.byName.get(name);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }
}

const TIER_KEYS = ['name', 'request_count', 'unit_time', 'time_unit', 'rate_limit_count', 'rate_limit_time_unit', 'description'];

function fail(message: string): never {
  throw new MiError(Errors.THROTTLING_CONFIG, message);
}

function readTier(raw: Table, index: number, warnings: string[]): Tier {
  const s = new Section('throttling.tier', raw);
  s.unknownKeys(TIER_KEYS, warnings);
  const where = `[[throttling.tier]] #${index + 1}`;
  const name = typeof raw['name'] === 'string' ? raw['name'].trim() : '';
  if (name === '') fail(`${where} needs a name`);
  const at = `[[throttling.tier]] '${name}'`;
  const whole = (key: string, dflt: number | undefined, min: number): number | undefined => {
    const v = raw[key];
    if (v === undefined) return dflt;
    const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) fail(`${at} ${key} must be a whole number >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  const unit = (key: string, dflt: string, table: Readonly<Record<string, number>>): number => {
    const v = raw[key] ?? dflt;
    const ms = typeof v === 'string' ? table[v.trim().toLowerCase()] : undefined;
    if (ms === undefined) fail(`${at} ${key} must be one of ${Object.keys(table).join(', ')}, got ${JSON.stringify(v)}`);
    return ms;
  };
  const count = whole('request_count', undefined, 1);
  if (count === undefined) fail(`${at} needs request_count (the requests admitted per unit_time time_unit); for no limit use the tier Unlimited`);
  const windowMs = whole('unit_time', 1, 1)! * unit('time_unit', 'min', UNIT_MS);
  const burstCount = whole('rate_limit_count', undefined, 1);
  if (burstCount === undefined && raw['rate_limit_time_unit'] !== undefined) fail(`${at} rate_limit_time_unit needs rate_limit_count`);
  const burst = burstCount === undefined ? undefined : Object.freeze({ count: burstCount, windowMs: unit('rate_limit_time_unit', 'sec', BURST_UNIT_MS) });
  return Object.freeze({ name, quota: Object.freeze({ count, windowMs }), burst });
}

export interface ThrottlingStoreSettings {
  readonly type: 'memory' | 'redis';
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly timeoutMs: number;
  /** What a call gets while Redis cannot be reached. */
  readonly redisDown: 'allow' | 'deny';
}

export interface ThrottlingSettings {
  readonly tiers: TierCatalog;
  readonly store: ThrottlingStoreSettings;
}

const SECTION_KEYS = ['store', 'redis_url', 'key_prefix', 'timeout', 'redis_down', 'tier'];

/** `[throttling]` and its `[[throttling.tier]]`s; a mistake throws MI_API_050, unknown keys warn. */
export function readThrottlingSettings(toml: Table, warnings: string[]): ThrottlingSettings {
  const s = Section.at(toml, 'throttling');
  s.unknownKeys(SECTION_KEYS, warnings);
  const rawTiers = s.get('tier');
  if (rawTiers !== undefined && !Array.isArray(rawTiers)) fail('[throttling] tier must be an array of tables: write [[throttling.tier]]');
  const defined = ((rawTiers as unknown[] | undefined) ?? []).map((t, i) => readTier(tableOf(t), i, warnings));
  const seen = new Set<string>();
  for (const t of defined) {
    if (seen.has(t.name)) fail(`[[throttling.tier]] '${t.name}' is declared twice`);
    seen.add(t.name);
  }
  const text = (key: string, dflt: string): string => {
    const v = s.get(key) ?? dflt;
    if (typeof v !== 'string') fail(`[throttling] ${key} must be a string, got ${JSON.stringify(v)}`);
    return v.trim();
  };
  const type = text('store', 'memory');
  if (type !== 'memory' && type !== 'redis') fail(`[throttling] store must be "memory" or "redis", got ${JSON.stringify(type)}`);
  const redisDown = text('redis_down', 'allow');
  if (redisDown !== 'allow' && redisDown !== 'deny') fail(`[throttling] redis_down must be "allow" or "deny", got ${JSON.stringify(redisDown)}`);
  const redisUrl = text('redis_url', 'redis://127.0.0.1:6379');
  if (!/^rediss?:\/\/[^/]/.test(redisUrl)) fail('[throttling] redis_url must be a redis:// or rediss:// URL');
  const timeout = s.get('timeout') ?? 1000;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1) fail(`[throttling] timeout must be a whole number of milliseconds >= 1, got ${JSON.stringify(timeout)}`);
  if (type === 'memory') {
    for (const k of ['redis_url', 'key_prefix', 'timeout', 'redis_down']) if (s.get(k) !== undefined) fail(`[throttling] ${k} needs store = "redis"`);
  }
  return {
    tiers: new TierCatalog(defined),
    store: Object.freeze({ type, redisUrl, keyPrefix: text('key_prefix', 'mi:throttling:'), timeoutMs: timeout, redisDown }),
  };
}
