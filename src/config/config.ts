/**
 * deployment.toml -> typed configuration. Every key has a default, so a missing file is a valid setup.
 * Only the keys this runtime reads are typed here; the parsed document stays available (`toml`) for
 * sections that later features own.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { Errors, MiError } from '../errors.js';
import { securityFrom, type SecurityConfig } from '../security/security-config.js';
import { httpListenerConfig, type HttpListenerConfig } from '../transport/listener-config.js';

export const BASE_PORTS = { http: 8280, https: 8243, management: 9154 } as const;

export interface ServerConfig {
  offset: number;
  hostname: string;
  bindAddress: string;
  hotDeployment: boolean;
  /** Largest accepted request body in bytes. */
  maxBodySize: number;
  /** Deepest accepted XML nesting in a message. */
  maxXmlDepth: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Longest wait for in-flight requests on shutdown. */
  shutdownGraceMs: number;
  /** WS-Security proxies answer 401 with a Basic challenge to a request without credentials (Micro Integrator's POXSecurityHandler). */
  enableBasicAuth: boolean;
}

export interface Config {
  home: string;
  /** Problems that do not stop the server (unknown keys), as printable lines with their code. */
  warnings: string[];
  server: ServerConfig;
  ports: { http: number; https: number; management: number };
  /** [transport.http]: TLS, mutual TLS, Server header, plain HTTP on/off (src/transport/listener-config.ts). */
  httpListener: HttpListenerConfig;
  correlationHeader: string;
  /** Write one access line per request to org.apache.synapse.transport.http.access ([http_access_log] enable). */
  accessLog: boolean;
  /** Key stores, [secrets], secret lookups and external vaults (src/security/). */
  security: SecurityConfig;
  /** The whole parsed document with $env{}/$sys{}/$secret{} resolved, for sections owned by other modules. */
  toml: Record<string, unknown>;
  /** get-property('file', name): a value from [synapse_properties] / file properties. */
  fileProperty(name: string): string | undefined;
}

type Table = Record<string, unknown>;

function table(v: unknown): Table {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Table) : {};
}

function num(t: Table, key: string, dflt: number, where: string, min = 0): number {
  const v = t[key];
  if (v === undefined) return dflt;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min) {
    throw new MiError(Errors.CONFIG_VALUE, `[${where}] ${key} must be a number >= ${min}, got ${JSON.stringify(v)}`);
  }
  return n;
}

function bool(t: Table, key: string, dflt: boolean, where: string): boolean {
  const v = t[key];
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new MiError(Errors.CONFIG_VALUE, `[${where}] ${key} must be true or false, got ${JSON.stringify(v)}`);
}

function str(t: Table, key: string, dflt: string, where: string): string {
  const v = t[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'string') throw new MiError(Errors.CONFIG_VALUE, `[${where}] ${key} must be a string`);
  return v;
}

/** Reads HOME/deployment/deployment.toml (absent is fine) and applies defaults. */
export function loadConfig(home: string, overrides: { offset?: number } = {}): Config {
  const file = path.join(home, 'deployment', 'deployment.toml');
  return existsSync(file) ? configFromText(home, readFileSync(file, 'utf8'), file, overrides) : configFrom(home, {}, overrides);
}

/** deployment.toml text -> the configuration; a syntax error is MI_CFG_001 at its line and column. */
export function configFromText(home: string, text: string, file: string, overrides: { offset?: number } = {}): Config {
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (err) {
    if (err instanceof TomlError) {
      throw new MiError(Errors.CONFIG_PARSE, `${file}:${err.line}:${err.column}  ${Errors.CONFIG_PARSE.code}  ${err.message.split('\n')[0]}`);
    }
    throw err;
  }
  return configFrom(home, doc, overrides);
}

const SERVER_KEYS = new Set([
  'offset', 'hostname', 'bind_address', 'hot_deployment', 'max_body_size', 'max_xml_depth', 'request_timeout',
  'headers_timeout', 'keep_alive_timeout', 'shutdown_grace_period', 'enable_basic_auth',
]);

export function configFrom(home: string, raw: Table, overrides: { offset?: number } = {}): Config {
  const warnings: string[] = [];
  // placeholders first: any value below may be a $env{}, $sys{} or $secret{}
  const { doc, security } = securityFrom(home, raw, warnings);
  const s = table(doc['server']);
  for (const k of Object.keys(s)) {
    if (!SERVER_KEYS.has(k)) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  unknown key [server] ${k} is ignored; known keys: ${[...SERVER_KEYS].join(', ')}`);
  }
  const server: ServerConfig = {
    offset: overrides.offset ?? num(s, 'offset', 10, 'server'),
    hostname: str(s, 'hostname', 'localhost', 'server'),
    bindAddress: str(s, 'bind_address', '0.0.0.0', 'server'),
    hotDeployment: bool(s, 'hot_deployment', true, 'server'),
    maxBodySize: num(s, 'max_body_size', 10 * 1024 * 1024, 'server', 1),
    maxXmlDepth: num(s, 'max_xml_depth', 100, 'server', 4),
    requestTimeoutMs: num(s, 'request_timeout', 60_000, 'server', 1),
    headersTimeoutMs: num(s, 'headers_timeout', 30_000, 'server', 1),
    keepAliveTimeoutMs: num(s, 'keep_alive_timeout', 60_000, 'server', 1),
    shutdownGraceMs: num(s, 'shutdown_grace_period', 10_000, 'server', 0),
    enableBasicAuth: bool(s, 'enable_basic_auth', true, 'server'),
  };
  // [transport.http] listener.port = 8280 is a dotted key: a nested table in TOML
  const transportHttp = table(table(doc['transport'])['http']);
  const listener = table(transportHttp['listener']);
  const ports = {
    http: num(listener, 'port', BASE_PORTS.http, 'transport.http.listener') + server.offset,
    https: num(listener, 'secured_port', BASE_PORTS.https, 'transport.http.listener') + server.offset,
    management: BASE_PORTS.management + server.offset,
  };
  const httpListener = httpListenerConfig(home, transportHttp, warnings);
  // the client trust store's password may come from $secret{}: keep it out of logs like the others
  if (httpListener.truststore?.password) security.revealed.add(httpListener.truststore.password);
  const props = table(doc['synapse_properties']);
  return {
    home,
    warnings,
    server,
    ports,
    httpListener,
    correlationHeader: str(table(doc['mediation']), 'correlation_header_name', 'activityid', 'mediation').toLowerCase(),
    accessLog: bool(table(doc['http_access_log']), 'enable', false, 'http_access_log'),
    security,
    toml: doc,
    fileProperty: (name) => {
      const v = props[name];
      return v === undefined ? undefined : String(v);
    },
  };
}
