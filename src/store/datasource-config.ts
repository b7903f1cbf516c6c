/**
 * `[[datasource]]` entries of deployment.toml -> typed settings per dialect. URLs come in Micro Integrator's
 * JDBC form (`jdbc:postgresql://host:port/db?currentSchema=s&sslmode=require`, `jdbc:mysql://host/db?useSSL=false`)
 * or as native URLs (`postgres://`, `mysql://`); `&amp;` left over from XML-escaped configurations is read as
 * `&`. Passwords stay out of descriptions, errors and JSON.
 */
import path from 'node:path';
import { Errors, MiError } from '../errors.js';
import type { Dialect } from './database.js';

export interface PoolSettings {
  /** `pool_options.maxActive`: most open connections. */
  readonly max: number;
  /** `pool_options.maxWait` (ms): longest wait to connect or to get a pooled connection; 0 = no limit. */
  readonly acquireTimeoutMs: number;
  /** `pool_options.maxIdle`: most idle connections kept (MySQL). */
  readonly maxIdle: number | undefined;
  /** `pool_options.minEvictableIdleTimeMillis`: an idle connection is closed after this long. */
  readonly idleTimeoutMs: number;
}

export type TlsMode = 'off' | 'no-verify' | 'verify-ca' | 'verify-full';

export interface TlsSettings {
  readonly mode: TlsMode;
  /** PEM files named by `sslrootcert` / `sslcert` / `sslkey` (PostgreSQL), resolved against the home. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

interface ServerDatasource {
  readonly id: string;
  readonly dialect: 'postgres' | 'mysql';
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string | undefined;
  /** A function, so the password never shows up when the settings are logged or serialized. */
  readonly password: () => string | undefined;
  readonly tls: TlsSettings;
  readonly pool: PoolSettings;
  /** PostgreSQL `currentSchema` (the search path; the first schema is where tables are made). */
  readonly schema: string | undefined;
  readonly applicationName: string | undefined;
  readonly description: string;
  /** URL parameters this runtime does not act on (they are reported once as a warning). */
  readonly ignoredParams: readonly string[];
}

interface FileDatasource {
  readonly id: string;
  readonly dialect: 'sqlite';
  readonly file: string;
  readonly description: string;
  readonly ignoredParams: readonly string[];
}

export type DatasourceConfig = ServerDatasource | FileDatasource;

export const EMBEDDED_ID = 'embedded';
export const SUPPORTED_SCHEMES = 'jdbc:postgresql://, jdbc:mysql://, jdbc:mariadb://, jdbc:sqlite:, postgres://, postgresql://, mysql://, mariadb://';

const DEFAULT_PORT = { postgres: 5432, mysql: 3306 } as const;

export const DEFAULT_POOL: PoolSettings = { max: 10, acquireTimeoutMs: 10_000, maxIdle: undefined, idleTimeoutMs: 60_000 };

/** Keys of a `[[datasource]]` entry that Micro Integrator knows and this runtime accepts. */
const ENTRY_KEYS = new Set(['id', 'url', 'username', 'password', 'driver', 'description', 'pool_options', 'jmx_enable', 'jndi_config', 'type']);

/** Tomcat JDBC pool options with no counterpart here: accepted silently, so MI configurations load as they are. */
const TOMCAT_POOL_KEYS = new Set([
  'minIdle', 'initialSize', 'testOnBorrow', 'testOnReturn', 'testWhileIdle', 'validationQuery', 'validationQueryTimeout',
  'validationInterval', 'timeBetweenEvictionRunsMillis', 'numTestsPerEvictionRun', 'defaultAutoCommit', 'defaultReadOnly',
  'defaultTransactionIsolation', 'defaultCatalog', 'removeAbandoned', 'removeAbandonedTimeout', 'logAbandoned',
  'abandonWhenPercentageFull', 'maxAge', 'jdbcInterceptors', 'commitOnReturn', 'rollbackOnReturn', 'validatorClassName',
  'initSQL', 'fairQueue', 'useEquals', 'suspectTimeout', 'alternateUsernameAllowed', 'dataSourceProps', 'maxConnLifetimeMillis',
]);

/** URL parameters that only tune the Java driver: accepted without a warning. */
const JAVA_ONLY_PARAMS = new Set([
  'allowpublickeyretrieval', 'characterencoding', 'useunicode', 'servertimezone', 'autoreconnect', 'zerodatetimebehavior',
  'usejdbccomplianttimezoneshift', 'uselegacydatetimecode', 'rewritebatchedstatements', 'cacheprepstmts', 'useserverprepstmts',
  'prepstmtcachesize', 'prepstmtcachesqllimit', 'usecursorfetch', 'tinyint1isbit', 'preparethreshold',
  'stringtype', 'rewritebatchedinserts', 'loglevel', 'loggerlevel', 'sendstringparametersasunicode',
]);

type Table = Record<string, unknown>;

function invalid(id: string, message: string): MiError {
  return new MiError(Errors.DATASOURCE_CONFIG, `[[datasource]] ${id}: ${message}`);
}

function poolNumber(id: string, opts: Table, key: string, min: number): number | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw invalid(id, `pool_options.${key} must be a whole number >= ${min}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** `pool_options.*`; unknown option names go into `warnings`. */
export function poolSettings(id: string, raw: unknown, warnings: string[]): PoolSettings {
  const opts = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Table) : {};
  for (const k of Object.keys(opts)) {
    if (!['maxActive', 'maxWait', 'maxIdle', 'minEvictableIdleTimeMillis'].includes(k) && !TOMCAT_POOL_KEYS.has(k)) {
      warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  [[datasource]] ${id}: unknown pool_options.${k} is ignored; known: maxActive, maxWait, maxIdle, minEvictableIdleTimeMillis`);
    }
  }
  const maxWait = poolNumber(id, opts, 'maxWait', -1);
  return {
    max: poolNumber(id, opts, 'maxActive', 1) ?? DEFAULT_POOL.max,
    // Tomcat reads a negative maxWait as "wait for ever"
    acquireTimeoutMs: maxWait === undefined ? DEFAULT_POOL.acquireTimeoutMs : Math.max(0, maxWait),
    maxIdle: poolNumber(id, opts, 'maxIdle', 0),
    idleTimeoutMs: poolNumber(id, opts, 'minEvictableIdleTimeMillis', 1) ?? DEFAULT_POOL.idleTimeoutMs,
  };
}

interface ParsedUrl {
  dialect: Dialect;
  host: string;
  port: number;
  database: string;
  user?: string;
  password?: string;
  params: Map<string, string>;
  file?: string;
}

function decode(s: string, id: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalid(id, `the url has a malformed %-escape in '${s}'`);
  }
}

function queryParams(query: string, id: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decode(eq < 0 ? part : part.slice(0, eq), id);
    params.set(k, eq < 0 ? '' : decode(part.slice(eq + 1), id));
  }
  return params;
}

/** Splits a URL into dialect, host, port, database, credentials and parameters; throws MI_DB_001 when it cannot. */
export function parseDatasourceUrl(url: string, id = EMBEDDED_ID): ParsedUrl {
  // XML-escaped ampersands are common in MI configurations copied from master-datasources.xml
  const text = url.trim().replace(/&amp;/gi, '&');
  const lower = text.toLowerCase();
  const sqlite = /^(?:jdbc:)?sqlite:(.*)$/i.exec(text);
  if (sqlite) {
    const file = sqlite[1]!.replace(/^\/\/(?=\/)/, '').split('?')[0]!;
    if (!file) throw invalid(id, `the url '${url}' names no SQLite file (jdbc:sqlite:data/other.db)`);
    return { dialect: 'sqlite', host: '', port: 0, database: file, params: new Map(), file };
  }
  let rest: string;
  let dialect: Dialect;
  const scheme = /^(jdbc:)?([a-z0-9]+)(?::[a-z]+)?:/.exec(lower);
  const name = scheme?.[2];
  if (name === 'postgresql' || name === 'postgres') dialect = 'postgres';
  else if (name === 'mysql' || name === 'mariadb') dialect = 'mysql';
  else {
    const what = scheme ? `${scheme[1] ?? ''}${name}` : `'${url}'`;
    throw invalid(id, `${what} is not supported; supported URLs: ${SUPPORTED_SCHEMES}`);
  }
  if (!/^(?:jdbc:)?[a-z0-9]+:\/\//.test(lower)) {
    // jdbc:postgresql:dbname (no host) is localhost; jdbc:mysql:loadbalance:// and friends are not supported
    const bare = /^jdbc:postgresql:([^/?][^?]*)(\?.*)?$/i.exec(text);
    if (!bare) throw invalid(id, `the url '${url}' is not of the form ${scheme![0]}//host:port/database`);
    rest = `//localhost/${bare[1]}${bare[2] ?? ''}`;
  } else {
    rest = text.slice(text.indexOf('//'));
  }
  const q = rest.indexOf('?');
  const params = q < 0 ? new Map<string, string>() : queryParams(rest.slice(q + 1), id);
  const beforeQuery = q < 0 ? rest : rest.slice(0, q);
  const slash = beforeQuery.indexOf('/', 2);
  let authority = slash < 0 ? beforeQuery.slice(2) : beforeQuery.slice(2, slash);
  const database = slash < 0 ? '' : decode(beforeQuery.slice(slash + 1), id);
  let user: string | undefined;
  let password: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const info = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = info.indexOf(':');
    user = decode(colon < 0 ? info : info.slice(0, colon), id);
    if (colon >= 0) password = decode(info.slice(colon + 1), id);
  }
  if (authority.includes(',')) {
    throw invalid(id, `the url lists several hosts (${authority}); give one address (a load balancer or proxy in front of the cluster)`);
  }
  const hp = /^(\[[^\]]+\]|[^:]*)(?::(\d*))?$/.exec(authority);
  if (!hp) throw invalid(id, `the url '${url}' has a malformed host:port '${authority}'`);
  const host = (hp[1] || 'localhost').replace(/^\[|\]$/g, '');
  const port = hp[2] ? Number(hp[2]) : DEFAULT_PORT[dialect];
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(id, `the url's port '${hp[2]}' is not a TCP port`);
  if (database.includes('/')) throw invalid(id, `the url's database name '${database}' contains '/'`);
  return { dialect, host, port, database, user, password, params, file: undefined };
}

function param(params: Map<string, string>, ...names: string[]): string | undefined {
  for (const [k, v] of params) if (names.includes(k.toLowerCase())) return v;
  return undefined;
}

function truthy(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return v === '' || /^(true|1|yes)$/i.test(v);
}

const PG_USED = new Set(['currentschema', 'sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey', 'applicationname', 'user', 'password', 'connecttimeout', 'sslfactory']);
const MYSQL_USED = new Set(['usessl', 'requiressl', 'sslmode', 'verifyservercertificate', 'user', 'password', 'connecttimeout', 'ssl']);

function pgTls(id: string, params: Map<string, string>, home: string): TlsSettings {
  const file = (v: string | undefined): string | undefined => (v ? path.resolve(home, v) : undefined);
  const extra = { caFile: file(param(params, 'sslrootcert')), certFile: file(param(params, 'sslcert')), keyFile: file(param(params, 'sslkey')) };
  const mode = param(params, 'sslmode')?.toLowerCase();
  const ssl = truthy(param(params, 'ssl'));
  const nonValidating = /NonValidatingFactory$/.test(param(params, 'sslfactory') ?? '');
  switch (mode) {
    case undefined:
      // pgjdbc: ssl=true without sslmode means verify-full
      return { mode: ssl ? (nonValidating ? 'no-verify' : 'verify-full') : 'off', ...extra };
    // node-postgres cannot fall back from TLS to plain text, so allow/prefer connect in plain text
    case 'disable':
    case 'allow':
    case 'prefer':
      return { mode: 'off', ...extra };
    case 'require':
      return { mode: 'no-verify', ...extra };
    case 'verify-ca':
      return { mode: 'verify-ca', ...extra };
    case 'verify-full':
      return { mode: 'verify-full', ...extra };
    default:
      throw invalid(id, `sslmode=${mode} is not known; use disable, prefer, require, verify-ca or verify-full`);
  }
}

function mysqlTls(id: string, params: Map<string, string>): TlsSettings {
  const mode = param(params, 'sslmode')?.toUpperCase();
  if (mode !== undefined) {
    switch (mode) {
      case 'DISABLED':
      case 'PREFERRED':
        return { mode: 'off' };
      case 'REQUIRED':
        return { mode: 'no-verify' };
      case 'VERIFY_CA':
        return { mode: 'verify-ca' };
      case 'VERIFY_IDENTITY':
        return { mode: 'verify-full' };
      default:
        throw invalid(id, `sslMode=${mode} is not known; use DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY`);
    }
  }
  const use = truthy(param(params, 'usessl', 'ssl'));
  const require = truthy(param(params, 'requiressl'));
  if (!use && !require) return { mode: 'off' };
  // Connector/J 5.x: useSSL verifies the server certificate unless verifyServerCertificate=false
  return { mode: truthy(param(params, 'verifyservercertificate')) === false ? 'no-verify' : 'verify-full' };
}

function text(entry: Table, key: string, id: string): string | undefined {
  const v = entry[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw invalid(id, `${key} must be a string`);
  return String(v);
}

/** One `[[datasource]]` entry; `home` resolves relative file paths (SQLite files, TLS certificates). */
export function datasourceFrom(entry: Table, home: string, warnings: string[]): DatasourceConfig {
  const rawId = entry['id'];
  if (typeof rawId !== 'string' || !rawId.trim()) throw new MiError(Errors.DATASOURCE_CONFIG, '[[datasource]] entry without an id; give each one id = "..."');
  const id = rawId.trim();
  for (const k of Object.keys(entry)) {
    if (!ENTRY_KEYS.has(k)) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  [[datasource]] ${id}: unknown key ${k} is ignored`);
  }
  const url = text(entry, 'url', id);
  if (!url) throw invalid(id, 'url is missing; e.g. url = "jdbc:postgresql://db.example.com:5432/mi"');
  const parsed = parseDatasourceUrl(url, id);
  if (parsed.dialect === 'sqlite') {
    const file = path.resolve(home, parsed.file!);
    return { id, dialect: 'sqlite', file, description: `SQLite file ${file}`, ignoredParams: [] };
  }
  const used = parsed.dialect === 'postgres' ? PG_USED : MYSQL_USED;
  const ignoredParams = [...parsed.params.keys()].filter((k) => !used.has(k.toLowerCase()) && !JAVA_ONLY_PARAMS.has(k.toLowerCase()));
  const user = text(entry, 'username', id) ?? param(parsed.params, 'user') ?? parsed.user;
  const password = text(entry, 'password', id) ?? param(parsed.params, 'password') ?? parsed.password;
  const schemaParam = parsed.dialect === 'postgres' ? param(parsed.params, 'currentschema') : undefined;
  const schema = schemaParam?.split(',').map((s) => s.trim()).filter(Boolean).join(',') || undefined;
  let pool = poolSettings(id, entry['pool_options'], warnings);
  const connectTimeout = param(parsed.params, 'connecttimeout');
  const poolOptions = (entry['pool_options'] ?? {}) as Table;
  if (connectTimeout !== undefined && poolOptions['maxWait'] === undefined && /^\d+$/.test(connectTimeout)) {
    // the URL's connectTimeout applies when pool_options.maxWait does not; pgjdbc counts seconds, Connector/J milliseconds
    pool = { ...pool, acquireTimeoutMs: parsed.dialect === 'postgres' ? Number(connectTimeout) * 1000 : Number(connectTimeout) };
  }
  const database = parsed.database || (parsed.dialect === 'postgres' ? (user ?? '') : '');
  if (!database) throw invalid(id, `the url names no database (${parsed.dialect === 'mysql' ? 'jdbc:mysql://host:3306/dbname' : 'jdbc:postgresql://host:5432/dbname'})`);
  const kind = parsed.dialect === 'postgres' ? 'PostgreSQL' : 'MySQL';
  const hostPort = `${parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host}:${parsed.port}`;
  const description =
    `${kind} database '${database}' on ${hostPort}` + (schema ? ` (schema ${schema})` : '') + (user ? ` as ${user}` : '') + ` ([[datasource]] ${id})`;
  return {
    id,
    dialect: parsed.dialect,
    host: parsed.host,
    port: parsed.port,
    database,
    user,
    password: () => password,
    tls: parsed.dialect === 'postgres' ? pgTls(id, parsed.params, home) : mysqlTls(id, parsed.params),
    pool,
    schema,
    applicationName: param(parsed.params, 'applicationname'),
    description,
    ignoredParams,
  };
}

/**
 * Every `[[datasource]]` by id. An entry that cannot be used is kept as its error, so only a datasource
 * something actually uses stops the server (MI configurations often list data service datasources too).
 */
export function datasourcesFrom(toml: Table, home: string, warnings: string[]): Map<string, DatasourceConfig | MiError> {
  const raw = toml['datasource'];
  const out = new Map<string, DatasourceConfig | MiError>();
  if (raw === undefined) return out;
  if (!Array.isArray(raw)) throw new MiError(Errors.DATASOURCE_CONFIG, 'datasource must be an array of tables: write [[datasource]], not [datasource]');
  for (const entry of raw) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new MiError(Errors.DATASOURCE_CONFIG, '[[datasource]] entries must be tables');
    const id = (entry as Table)['id'];
    if (typeof id === 'string' && out.has(id.trim())) throw invalid(id.trim(), 'the id is declared twice; ids must be unique');
    try {
      const ds = datasourceFrom(entry as Table, home, warnings);
      out.set(ds.id, ds);
    } catch (err) {
      if (!(err instanceof MiError) || typeof id !== 'string' || !id.trim()) throw err;
      out.set(id.trim(), err);
    }
  }
  return out;
}

/** The embedded SQLite database under HOME/data. */
export function embeddedDatasource(home: string): FileDatasource {
  const file = path.join(home, 'data', 'mi.db');
  return { id: EMBEDDED_ID, dialect: 'sqlite', file, description: `embedded SQLite file ${file}`, ignoredParams: [] };
}
