/**
 * deployment.toml -> typed configuration. Every key has a default, so a missing file is a valid setup.
 * Only the keys this runtime reads are typed here; the parsed document stays available (`toml`) for
 * sections that later features own.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { Errors, MiError } from '../errors.js';
import { Section, tableOf, type Table } from './section.js';
import { securityFrom, type SecurityConfig } from '../security/security-config.js';
import { httpListenerConfig, type HttpListenerConfig } from '../transport/listener-config.js';
import { PAYLOAD_LIMIT_DEFAULTS } from '../context/payload-limits.js';

export const BASE_PORTS = { http: 8280, https: 8243, management: 9154 } as const;
/** Micro Integrator's default: as many connections as the load asks for (a lower cap did not shorten the tail, docs/benchmark.md). */
export const DEFAULT_MAX_CONNECTIONS_PER_HOST_PORT = 32767;
/** Extra accept handles per listener: a burst of 1000 connections against a busy runtime is taken in well under a second (docs/benchmark.md). */
export const DEFAULT_ACCEPT_HANDLES = 64;

export interface ServerConfig {
  offset: number;
  hostname: string;
  bindAddress: string;
  hotDeployment: boolean;
  /** Largest accepted request body in bytes. */
  maxBodySize: number;
  /** Deepest accepted XML nesting in a message. */
  maxXmlDepth: number;
  /** Message budgets, checked before a parser builds anything (see src/context/payload-limits.ts). */
  maxXmlElements: number;
  maxXmlAttributesPerElement: number;
  maxXmlNodes: number;
  maxJsonDepth: number;
  maxJsonValues: number;
  /** Nodes one XPath evaluation may visit. */
  maxXpathSteps: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Longest wait for in-flight requests on shutdown. */
  shutdownGraceMs: number;
  /** WS-Security proxies answer 401 with a Basic challenge to a request without credentials (Micro Integrator's POXSecurityHandler). */
  enableBasicAuth: boolean;
  /** `[server] workers`: processes of `mi start` sharing the listeners (node:cluster); "auto" = one per core. */
  workers: number;
  /** `[server] accept_handles`: extra handles on each mediation listener's socket, each accepting one more new connection per event-loop turn (src/transport/accept-handles.ts). */
  acceptHandles: number;
}

export interface Config {
  home: string;
  /** Problems that do not stop the server (unknown keys), as printable lines with their code. */
  warnings: string[];
  server: ServerConfig;
  ports: { http: number; https: number; management: number };
  /** [transport.http]: TLS, mutual TLS, Server header, plain HTTP on/off (src/transport/listener-config.ts). */
  httpListener: HttpListenerConfig;
  /** [transport.http] max_http_connection_per_host_port: connections to one backend host:port, all endpoints together. */
  maxConnectionsPerHostPort: number;
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
  'offset', 'hostname', 'bind_address', 'hot_deployment', 'max_body_size', 'max_xml_depth', 'max_xml_elements',
  'max_xml_attributes_per_element', 'max_xml_nodes', 'max_json_depth', 'max_json_values', 'max_xpath_steps',
  'request_timeout', 'headers_timeout', 'keep_alive_timeout', 'shutdown_grace_period', 'enable_basic_auth', 'workers',
  'accept_handles',
]);

/** `[server] workers`: a whole number >= 1, or "auto" for one per core this process may use. */
function workersFrom(s: Section): number {
  return s.get('workers') === 'auto' ? os.availableParallelism() : s.int('workers', 1, 1);
}

/** `[server] accept_handles`: 0 (one handle, libuv's own) to 256; each handle is a descriptor. */
function acceptHandlesFrom(s: Section): number {
  const n = s.int('accept_handles', DEFAULT_ACCEPT_HANDLES, 0);
  if (n > 256) s.fail('accept_handles', 'a whole number from 0 to 256', n);
  return n;
}

export function configFrom(home: string, raw: Table, overrides: { offset?: number } = {}): Config {
  const warnings: string[] = [];
  // placeholders first: any value below may be a $env{}, $sys{} or $secret{}
  const { doc, security } = securityFrom(home, raw, warnings);
  const s = Section.at(doc, 'server');
  s.unknownKeys(SERVER_KEYS, warnings);
  const server: ServerConfig = {
    offset: overrides.offset ?? s.number('offset', 10),
    hostname: s.text('hostname', 'localhost'),
    bindAddress: s.text('bind_address', '0.0.0.0'),
    hotDeployment: s.flag('hot_deployment', true),
    maxBodySize: s.number('max_body_size', 10 * 1024 * 1024, 1),
    maxXmlDepth: s.number('max_xml_depth', 100, 4),
    maxXmlElements: s.number('max_xml_elements', PAYLOAD_LIMIT_DEFAULTS.maxXmlElements, 4),
    maxXmlAttributesPerElement: s.number('max_xml_attributes_per_element', PAYLOAD_LIMIT_DEFAULTS.maxXmlAttributesPerElement, 1),
    maxXmlNodes: s.number('max_xml_nodes', PAYLOAD_LIMIT_DEFAULTS.maxXmlNodes, 8),
    maxJsonDepth: s.number('max_json_depth', PAYLOAD_LIMIT_DEFAULTS.maxJsonDepth, 1),
    maxJsonValues: s.number('max_json_values', PAYLOAD_LIMIT_DEFAULTS.maxJsonValues, 1),
    maxXpathSteps: s.number('max_xpath_steps', PAYLOAD_LIMIT_DEFAULTS.maxXpathSteps, 1000),
    requestTimeoutMs: s.number('request_timeout', 60_000, 1),
    headersTimeoutMs: s.number('headers_timeout', 30_000, 1),
    keepAliveTimeoutMs: s.number('keep_alive_timeout', 60_000, 1),
    shutdownGraceMs: s.number('shutdown_grace_period', 10_000, 0),
    enableBasicAuth: s.flag('enable_basic_auth', true),
    workers: workersFrom(s),
    acceptHandles: acceptHandlesFrom(s),
  };
  // [transport.http] listener.port = 8280 is a dotted key: a nested table in TOML
  const transportHttp = Section.at(doc, 'transport.http');
  const listener = transportHttp.child('listener');
  const ports = {
    http: listener.number('port', BASE_PORTS.http) + server.offset,
    https: listener.number('secured_port', BASE_PORTS.https) + server.offset,
    management: BASE_PORTS.management + server.offset,
  };
  const httpListener = httpListenerConfig(home, transportHttp.table, warnings, Section.at(doc, 'apimgt.mutual_ssl').table);
  const maxConnectionsPerHostPort = transportHttp.int('max_http_connection_per_host_port', DEFAULT_MAX_CONNECTIONS_PER_HOST_PORT, 1);
  // the client trust store's password may come from $secret{}: keep it out of logs like the others
  if (httpListener.truststore?.password) security.revealed.add(httpListener.truststore.password);
  const props = tableOf(doc['synapse_properties']);
  return {
    home,
    warnings,
    server,
    ports,
    httpListener,
    maxConnectionsPerHostPort,
    correlationHeader: Section.at(doc, 'mediation').text('correlation_header_name', 'activityid').toLowerCase(),
    accessLog: Section.at(doc, 'http_access_log').flag('enable', false),
    security,
    toml: doc,
    fileProperty: (name) => {
      const v = props[name];
      return v === undefined ? undefined : String(v);
    },
  };
}
