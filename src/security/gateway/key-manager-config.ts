/**
 * deployment.toml for opaque tokens: one `[[key_manager]]` table per OAuth2 authorization server whose
 * tokens are checked by RFC 7662 token introspection (API Manager's key managers, whose "token validation
 * method" is introspection). Read once at start; a mistake stops the start (and `mi validate`) with
 * MI_API_030 naming the table and key. The client secret joins the values masked in every log line.
 */
import { Errors, MiError } from '../../errors.js';
import { Section, tableOf, type Table } from '../../config/section.js';

export interface KeyManagerConfig {
  /** For logs: `name`, else the introspection URL's host. */
  readonly name: string;
  readonly introspectionUrl: URL;
  /** The gateway's own client at the authorization server (RFC 7662: the introspection caller authenticates). */
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * A JWT whose `iss` is this is introspected here (instead of refused as a JWT of no [[jwt_issuer]]); an
   * introspection answer that names another `iss` is refused. Undefined: any JWT of no known issuer.
   */
  readonly issuer: string | undefined;
  /** One of these must be in the answer's `aud`; undefined: not checked. */
  readonly audience: readonly string[] | undefined;
  readonly timeoutMs: number;
  /** Seconds an active token is trusted without asking again (never beyond its exp). 0: ask every time. */
  readonly cacheSeconds: number;
  /** Seconds an inactive (or unknown) token is refused without asking again. */
  readonly inactiveCacheSeconds: number;
  readonly clockSkewSeconds: number;
  /** Introspection calls in flight at once; more wait in a queue. */
  readonly maxConnections: number;
  /** Introspections waiting for a connection; beyond, a new token is refused with 900900 at once. */
  readonly maxQueued: number;
}

const KEYS = [
  'name', 'introspection_url', 'client_id', 'client_secret', 'issuer', 'audience', 'timeout', 'cache_ttl',
  'inactive_cache_ttl', 'clock_skew', 'max_connections', 'max_queued',
];

function fail(where: string, message: string): never {
  throw new MiError(Errors.KEY_MANAGER_CONFIG, `${where} ${message}`);
}

function audienceList(where: string, v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? v.split(',') : v;
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) fail(where, 'audience must be a string or an array of strings');
  const out = (list as string[]).map((x) => x.trim()).filter(Boolean);
  if (!out.length) fail(where, 'audience must not be empty');
  return out;
}

function readKeyManager(t: Table, index: number): KeyManagerConfig {
  const where = `[[key_manager]] #${index + 1}`;
  for (const k of Object.keys(t)) if (!KEYS.includes(k)) fail(where, `has no key '${k}' (known: ${KEYS.join(', ')})`);
  const s = new Section('key_manager', t);
  try {
    const raw = s.optionalText('introspection_url');
    if (raw === undefined) fail(where, 'needs introspection_url, the RFC 7662 endpoint of the authorization server');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return fail(where, `introspection_url '${raw}' is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(where, 'introspection_url must be http(s)');
    if (url.username || url.password) fail(where, 'introspection_url must not carry credentials; use client_id and client_secret');
    const named = `${where} (${s.optionalText('name') ?? url.host})`;
    const clientId = s.optionalText('client_id');
    const clientSecret = s.optionalText('client_secret');
    if (clientId === undefined || clientSecret === undefined) fail(named, 'needs client_id and client_secret, the credentials the gateway introspects with (client_secret may be a $secret{alias})');
    return Object.freeze({
      name: s.optionalText('name') ?? url.host,
      introspectionUrl: url,
      clientId,
      clientSecret,
      issuer: s.optionalText('issuer'),
      audience: audienceList(named, t['audience']),
      timeoutMs: s.int('timeout', 5000, 1),
      cacheSeconds: s.int('cache_ttl', 120),
      inactiveCacheSeconds: s.int('inactive_cache_ttl', 10),
      clockSkewSeconds: s.int('clock_skew', 60),
      maxConnections: s.int('max_connections', 10, 1),
      maxQueued: s.int('max_queued', 1000),
    });
  } catch (err) {
    if (err instanceof MiError && err.spec === Errors.CONFIG_VALUE) fail(where, err.message.replace(/^\[key_manager\] /, ''));
    throw err;
  }
}

/**
 * The `[[key_manager]]` tables. `jwtIssuers`: the `iss` of every [[jwt_issuer]]; a key manager may not
 * claim one of them, since a token of that issuer would have two meanings.
 */
export function readKeyManagers(doc: Table, jwtIssuers: readonly string[]): KeyManagerConfig[] {
  const raw = doc['key_manager'];
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) fail('[[key_manager]]', 'must be an array of tables: write [[key_manager]]');
  const out = raw.map((t, i) => readKeyManager(tableOf(t), i));
  const names = new Set<string>();
  for (const k of out) {
    if (names.has(k.name)) fail('[[key_manager]]', `name '${k.name}' is used twice`);
    names.add(k.name);
    if (k.issuer !== undefined && jwtIssuers.includes(k.issuer)) {
      fail(`[[key_manager]] ${k.name}`, `issuer '${k.issuer}' is also a [[jwt_issuer]]: its JWTs are verified there; remove one of the two`);
    }
  }
  return out;
}
