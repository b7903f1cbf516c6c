/**
 * `[management_api]` and its sub-tables in deployment.toml, with Micro Integrator's keys and defaults:
 * JWT handler on, tokens valid 3600 s, 200 tokens kept (the least recently used goes when full), CORS open
 * to every origin with the Authorization and Content-Type headers. Unknown keys are warnings.
 */
import { Errors, MiError } from '../errors.js';
import { BASE_PORTS, type Config } from '../config/config.js';

export interface ManagementSettings {
  /** `[management_api] enable`; Micro Integrator always serves its internal API, so true by default. */
  readonly enable: boolean;
  /** base port (9154, or `[mediation] internal_https_api_port`) + `[server] offset`. */
  readonly port: number;
  /** `[management_api.jwt_token_security_handler] enable`: false means Basic credentials on every call. */
  readonly jwt: boolean;
  readonly tokenExpirySeconds: number;
  readonly tokenStoreSize: number;
  readonly removeOldestTokenOnOverflow: boolean;
  readonly cors: { readonly enabled: boolean; readonly origins: readonly string[]; readonly headers: string };
}

type Table = Record<string, unknown>;

function table(v: unknown): Table {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Table) : {};
}

function fail(where: string, key: string, want: string, got: unknown): never {
  throw new MiError(Errors.CONFIG_VALUE, `[${where}] ${key} must be ${want}, got ${JSON.stringify(got)}`);
}

/** Micro Integrator writes these values as strings ("3600", "true") as often as not: accept both. */
function int(t: Table, key: string, dflt: number, where: string, min: number): number {
  const v = t[key];
  if (v === undefined) return dflt;
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) fail(where, key, `a whole number >= ${min}`, v);
  return n;
}

function flag(t: Table, key: string, dflt: boolean, where: string): boolean {
  const v = t[key];
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  return fail(where, key, 'true or false', v);
}

function text(t: Table, key: string, dflt: string, where: string): string {
  const v = t[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'string') fail(where, key, 'a string', v);
  return v;
}

function unknownKeys(t: Table, known: readonly string[], where: string, warnings: string[]): void {
  for (const k of Object.keys(t)) {
    if (!known.includes(k)) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  unknown key [${where}] ${k} is ignored; known keys: ${known.join(', ')}`);
  }
}

export function managementSettings(config: Config, warnings: string[] = []): ManagementSettings {
  const doc = config.toml;
  const m = table(doc['management_api']);
  unknownKeys(m, ['enable', 'jwt_token_security_handler', 'cors'], 'management_api', warnings);
  const jwt = table(m['jwt_token_security_handler']);
  unknownKeys(jwt, ['enable', 'token_store_config', 'token_config'], 'management_api.jwt_token_security_handler', warnings);
  const store = table(jwt['token_store_config']);
  const token = table(jwt['token_config']);
  const cors = table(m['cors']);
  const jwtWhere = 'management_api.jwt_token_security_handler';
  const base = int(table(doc['mediation']), 'internal_https_api_port', BASE_PORTS.management, 'mediation', 1);
  const origins = text(cors, 'allowed_origins', '*', 'management_api.cors')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    enable: flag(m, 'enable', true, 'management_api'),
    port: base + config.server.offset,
    jwt: flag(jwt, 'enable', true, jwtWhere),
    tokenExpirySeconds: int(token, 'expiry', 3600, `${jwtWhere}.token_config`, 1),
    tokenStoreSize: int(store, 'max_size', 200, `${jwtWhere}.token_store_config`, 1),
    removeOldestTokenOnOverflow: flag(store, 'remove_oldest_token_on_overflow', true, `${jwtWhere}.token_store_config`),
    cors: {
      enabled: flag(cors, 'enabled', true, 'management_api.cors'),
      origins,
      headers: text(cors, 'allowed_headers', 'Authorization, Content-Type', 'management_api.cors'),
    },
  };
}
