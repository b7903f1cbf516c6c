/**
 * deployment.toml for API security: one `[[jwt_issuer]]` table per trusted token issuer (API Microgateway's
 * `[[jwtTokenConfig]]`, API Manager's token issuers), and `[api_security]` for what is common to every API.
 * Read once at start; a mistake stops the start (and `mi validate`) with MI_API_003 naming the table and key.
 * A certificate is loaded here, so a broken PEM is found before the first request, not on it.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Errors, MiError } from '../../errors.js';
import { Section, tableOf, type Table } from '../../config/section.js';

/** Algorithms a JWT may be signed with: asymmetric only. `none` and HMAC are never accepted. */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface JwtIssuerConfig {
  /** For logs: `name`, else the issuer. */
  readonly name: string;
  /** The `iss` a token must carry. */
  readonly issuer: string;
  /** One of these must be in the token's `aud`; undefined: the audience is not checked. */
  readonly audience: readonly string[] | undefined;
  readonly jwksUrl: URL | undefined;
  /** The issuer's public key, from `certificate` (a PEM certificate or public key, or a file holding one). */
  readonly publicKey: KeyObject | undefined;
  readonly algorithms: readonly string[];
  /** Seconds of tolerance on exp and nbf. */
  readonly clockSkewSeconds: number;
  /** How long a fetched JWKS is used before it is fetched again (seconds). */
  readonly jwksCacheSeconds: number;
  /** The least time between two fetches triggered by an unknown `kid` (seconds): a flood of made-up kids costs one fetch. */
  readonly jwksCooldownSeconds: number;
  readonly jwksTimeoutMs: number;
  /**
   * Set for the runtime's own token service alone (`[oauth2_server] trust_local_issuer`): whether a verified
   * token's `jti` has been revoked, asked on every use, cached or not. Synchronous when the answer is local.
   */
  readonly revoked?: (jti: string) => boolean | Promise<boolean>;
}

export interface ApiSecuritySettings {
  /** HTTP status of fault 900910 (scope mismatch): 403 as API Manager, 401 as API Microgateway may be set. */
  readonly scopeFaultStatus: 401 | 403;
  /** Verified tokens kept (each until it expires or `token_cache_ttl`, whichever first). */
  readonly tokenCacheSize: number;
  readonly tokenCacheSeconds: number;
  /** Scope -> the roles that hold it, for users who authenticate with Basic auth. */
  readonly scopeRoles: ReadonlyMap<string, ReadonlySet<string>>;
  /** The header that carries bearer tokens and Basic credentials (API Manager's AuthorizationHeader), as written. */
  readonly authorizationHeader: string;
  /** The header (or query parameter) that carries an API key, as written. */
  readonly apiKeyHeader: string;
  /** How long a looked-up API key (valid or not) is trusted before the database is asked again (seconds). */
  readonly apiKeyCacheSeconds: number;
  /** `default`: what an API that declares no security gets (`none`: open, as Micro Integrator; `oauth2`: as API Microgateway). */
  readonly defaultSecurity: 'none' | 'oauth2';
}

const ISSUER_KEYS = ['name', 'issuer', 'audience', 'jwks_url', 'certificate', 'algorithms', 'clock_skew', 'jwks_cache_ttl', 'jwks_cooldown', 'jwks_timeout'];
const SECURITY_KEYS = ['scope_fault_status', 'token_cache_size', 'token_cache_ttl', 'scope_roles', 'authorization_header', 'api_key_header', 'api_key_cache_ttl', 'default'];

function fail(where: string, message: string): never {
  throw new MiError(Errors.JWT_ISSUER_CONFIG, `${where} ${message}`);
}

function stringList(where: string, key: string, v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? v.split(',') : v;
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) fail(where, `${key} must be a string or an array of strings`);
  const out = (list as string[]).map((x) => x.trim()).filter(Boolean);
  if (!out.length) fail(where, `${key} must not be empty`);
  return out;
}

/** A PEM certificate or public key, written inline or in a file (relative to the home folder). */
function loadPublicKey(where: string, value: string, home: string): KeyObject {
  let pem = value.trim();
  if (!pem.startsWith('-----BEGIN')) {
    const file = path.resolve(home, pem);
    if (!existsSync(file)) fail(where, `certificate: no file ${file}`);
    pem = readFileSync(file, 'utf8');
  }
  try {
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return new X509Certificate(pem).publicKey;
    const key = createPublicKey(pem);
    if (key.type !== 'public') fail(where, 'certificate must be a certificate or a public key');
    return key;
  } catch (err) {
    if (err instanceof MiError) throw err;
    return fail(where, `certificate does not load: ${(err as Error).message}`);
  }
}

function readIssuer(t: Table, index: number, home: string): JwtIssuerConfig {
  const where = `[[jwt_issuer]] #${index + 1}`;
  const s = new Section(`jwt_issuer`, t);
  for (const k of Object.keys(t)) if (!ISSUER_KEYS.includes(k)) fail(where, `has no key '${k}' (known: ${ISSUER_KEYS.join(', ')})`);
  const issuer = typeof t['issuer'] === 'string' ? t['issuer'].trim() : '';
  if (!issuer) fail(where, 'needs issuer, the `iss` its tokens carry');
  const named = `${where} (${issuer})`;
  const jwks = s.optionalText('jwks_url');
  const cert = s.optionalText('certificate');
  if ((jwks === undefined) === (cert === undefined)) fail(named, 'needs exactly one of jwks_url and certificate');
  let jwksUrl: URL | undefined;
  if (jwks !== undefined) {
    try {
      jwksUrl = new URL(jwks);
    } catch {
      fail(named, `jwks_url '${jwks}' is not a URL`);
    }
    if (jwksUrl.protocol !== 'https:' && jwksUrl.protocol !== 'http:') fail(named, 'jwks_url must be http(s)');
  }
  const algorithms = stringList(named, 'algorithms', t['algorithms']) ?? [...ASYMMETRIC_ALGORITHMS];
  for (const a of algorithms) {
    if (!ASYMMETRIC_ALGORITHMS.includes(a)) fail(named, `algorithm '${a}' is not accepted (HMAC and none never are); use ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
  }
  try {
    return Object.freeze({
      name: s.optionalText('name') ?? issuer,
      issuer,
      audience: stringList(named, 'audience', t['audience']),
      jwksUrl,
      publicKey: cert !== undefined ? loadPublicKey(named, cert, home) : undefined,
      algorithms: Object.freeze(algorithms),
      clockSkewSeconds: s.int('clock_skew', 60),
      jwksCacheSeconds: s.int('jwks_cache_ttl', 900, 1),
      jwksCooldownSeconds: s.int('jwks_cooldown', 30),
      jwksTimeoutMs: s.int('jwks_timeout', 5000, 1),
    });
  } catch (err) {
    if (err instanceof MiError && err.spec === Errors.CONFIG_VALUE) fail(named, err.message.replace(/^\[jwt_issuer\] /, ''));
    throw err;
  }
}

export function readJwtIssuers(doc: Table, home: string): JwtIssuerConfig[] {
  const raw = doc['jwt_issuer'];
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) fail('[[jwt_issuer]]', 'must be an array of tables: write [[jwt_issuer]]');
  const out = raw.map((t, i) => readIssuer(tableOf(t), i, home));
  const seen = new Set<string>();
  for (const i of out) {
    if (seen.has(i.issuer)) fail('[[jwt_issuer]]', `issuer '${i.issuer}' is declared twice`);
    seen.add(i.issuer);
  }
  return out;
}

export function readApiSecuritySettings(doc: Table, warnings: string[]): ApiSecuritySettings {
  const s = Section.at(doc, 'api_security');
  s.unknownKeys(SECURITY_KEYS, warnings);
  try {
    const status = s.int('scope_fault_status', 403, 400);
    if (status !== 401 && status !== 403) s.fail('scope_fault_status', '401 or 403', s.get('scope_fault_status'));
    const scopeRoles = new Map<string, ReadonlySet<string>>();
    for (const [scope, roles] of Object.entries(s.child('scope_roles').table)) {
      const list = stringList('[api_security.scope_roles]', scope, roles) ?? [];
      scopeRoles.set(scope, new Set(list.map((r) => r.toLowerCase())));
    }
    const defaultSecurity = s.optionalText('default') ?? 'none';
    if (defaultSecurity !== 'none' && defaultSecurity !== 'oauth2') s.fail('default', '"none" or "oauth2"', s.get('default'));
    return Object.freeze({
      scopeFaultStatus: status as 401 | 403,
      tokenCacheSize: s.int('token_cache_size', 10000),
      tokenCacheSeconds: s.int('token_cache_ttl', 900),
      scopeRoles,
      authorizationHeader: s.optionalText('authorization_header') ?? 'Authorization',
      apiKeyHeader: s.optionalText('api_key_header') ?? 'apikey',
      apiKeyCacheSeconds: s.int('api_key_cache_ttl', 30),
      defaultSecurity: defaultSecurity as 'none' | 'oauth2',
    });
  } catch (err) {
    if (err instanceof MiError && err.spec === Errors.CONFIG_VALUE) throw new MiError(Errors.JWT_ISSUER_CONFIG, err.message);
    throw err;
  }
}
