/**
 * `[transport.http]` listener keys (Micro Integrator's names) -> typed settings for the HTTP and HTTPS
 * listeners. Checked when the configuration loads, so a bad cipher list or protocol fails `mi start` and
 * `mi validate` with the key named, not the first handshake.
 */
import { createSecureContext } from 'node:tls';
import { Errors, MiError } from '../errors.js';
import { tableOf, type Table } from '../config/section.js';
import { resolveSecurityPath, type KeyStoreConfig } from '../security/keys/keystore-config.js';
import { TrustedProxies } from '../security/tls/trusted-proxies.js';

export type VerifyClient = 'none' | 'optional' | 'require';
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

export interface HttpListenerConfig {
  /** listener.enable: false serves HTTPS only. */
  readonly enable: boolean;
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  /** OpenSSL cipher string (TLS 1.2 and 1.3 suite names, colon separated). */
  readonly ciphers: string;
  readonly verifyClient: VerifyClient;
  /** listener.truststore.*: the CAs client certificates must chain to. */
  readonly truststore: KeyStoreConfig | undefined;
  readonly readIntervalMs: number;
  /** Value of the Server response header; '' sends none. */
  readonly serverHeader: string;
  /** Lower-case name of the header a TLS-terminating proxy puts the client certificate in. */
  readonly clientCertHeader: string;
  /** Addresses and CIDR blocks whose client-certificate header is believed. Empty: the header is never read. */
  readonly trustedProxies: TrustedProxies;
  /**
   * `[apimgt.mutual_ssl] enable_client_validation`: the proxy's own connection must also carry a TLS client
   * certificate the trust store verifies (mutual TLS between load balancer and gateway), as API Manager checks.
   */
  readonly proxyClientValidation: boolean;
  /** `[apimgt.mutual_ssl] enable_certificate_chain_validation`: a certificate registered for an API may be a CA of the client's chain. */
  readonly certificateChainValidation: boolean;
}

/** Forward-secret AEAD suites only: no RC4, 3DES, CBC, export, NULL or anonymous suites. */
export const DEFAULT_CIPHERS = [
  'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

export const DEFAULT_SERVER_HEADER = 'mediation-runtime';
export const DEFAULT_CLIENT_CERT_HEADER = 'X-WSO2-CLIENT-CERTIFICATE';

const VERSIONS: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];
const LISTENER_KEYS = new Set([
  'port', 'secured_port', 'enable', 'secured_protocols', 'preferred_ciphers', 'verify_client', 'truststore',
  'ssl_profile', 'client_certificate_header', 'trusted_proxies',
]);
const HTTP_KEYS = new Set(['listener', 'server_header', 'max_http_connection_per_host_port']);


function fail(key: string, what: string): never {
  throw new MiError(Errors.CONFIG_VALUE, `[transport.http] ${key} ${what}`);
}

/** A list given as a TOML array or a comma separated string (Micro Integrator writes both). */
function list(v: unknown, key: string): string[] | undefined {
  if (v === undefined) return undefined;
  const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : fail(key, 'must be a list or a comma separated string');
  return items.map((x) => (typeof x === 'string' ? x.trim() : fail(key, 'must hold strings'))).filter((x) => x !== '');
}

function protocols(v: unknown): { minVersion: TlsVersion; maxVersion: TlsVersion } {
  const given = list(v, 'listener.secured_protocols') ?? [...VERSIONS];
  if (given.length === 0) fail('listener.secured_protocols', 'is empty; use "TLSv1.2,TLSv1.3"');
  for (const p of given) {
    if (!VERSIONS.includes(p as TlsVersion)) fail('listener.secured_protocols', `has '${p}'; only TLSv1.2 and TLSv1.3 are offered (SSLv3, TLSv1 and TLSv1.1 are broken)`);
  }
  const idx = given.map((p) => VERSIONS.indexOf(p as TlsVersion));
  return { minVersion: VERSIONS[Math.min(...idx)]!, maxVersion: VERSIONS[Math.max(...idx)]! };
}

function ciphers(v: unknown): string {
  const given = list(v, 'listener.preferred_ciphers');
  if (given === undefined) return DEFAULT_CIPHERS;
  const s = given.join(':');
  try {
    createSecureContext({ ciphers: s });
  } catch {
    fail('listener.preferred_ciphers', `'${s}' names no cipher OpenSSL knows; use OpenSSL names such as ECDHE-RSA-AES256-GCM-SHA384`);
  }
  return s;
}

function truststore(home: string, t: Table): KeyStoreConfig | undefined {
  if (Object.keys(t).length === 0) return undefined;
  for (const k of Object.keys(t)) if (!['location', 'type', 'password'].includes(k)) fail(`listener.truststore.${k}`, 'is not a known key (location, type, password)');
  const location = t['location'];
  if (typeof location !== 'string' || location === '') fail('listener.truststore.location', 'must name a PKCS12 file or a PEM bundle of CA certificates');
  const type = t['type'] ?? (/\.(pem|crt)$/i.test(location) ? 'PEM' : 'PKCS12');
  if (type !== 'PEM' && type !== 'PKCS12') fail('listener.truststore.type', `must be PKCS12 or PEM, not '${String(type)}'`);
  const password = t['password'] ?? '';
  if (typeof password !== 'string') fail('listener.truststore.password', 'must be a string');
  return {
    where: '[transport.http] listener.truststore',
    file: resolveSecurityPath(home, location),
    type,
    keyFile: undefined,
    password,
    alias: undefined,
    keyPassword: undefined,
    allowDefault: true,
  };
}

/** API Manager's `[apimgt.mutual_ssl]` keys read here; certificate_reload_interval is `[apim.mutual_ssl]`'s. */
const APIMGT_MUTUAL_SSL_KEYS = new Set(['certificate_header', 'enable_client_validation', 'client_certificate_encode', 'enable_certificate_chain_validation']);

function flagOf(v: unknown, key: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new MiError(Errors.CONFIG_VALUE, `[apimgt.mutual_ssl] ${key} must be true or false, got ${JSON.stringify(v)}`);
}

export function httpListenerConfig(home: string, transportHttp: Table, warnings: string[], apimgtMutualSsl: Table = {}): HttpListenerConfig {
  for (const k of Object.keys(apimgtMutualSsl)) {
    if (!APIMGT_MUTUAL_SSL_KEYS.has(k)) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  unknown key [apimgt.mutual_ssl] ${k} is ignored; known keys: ${[...APIMGT_MUTUAL_SSL_KEYS].join(', ')}`);
  }
  for (const k of Object.keys(transportHttp)) {
    if (!HTTP_KEYS.has(k)) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  unknown key [transport.http] ${k} is ignored; known keys: ${[...HTTP_KEYS].join(', ')}`);
  }
  const l = tableOf(transportHttp['listener']);
  for (const k of Object.keys(l)) {
    if (!LISTENER_KEYS.has(k)) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  unknown key [transport.http] listener.${k} is ignored; known keys: ${[...LISTENER_KEYS].map((x) => 'listener.' + x).join(', ')}`);
  }
  const enable = l['enable'] ?? true;
  if (typeof enable !== 'boolean') fail('listener.enable', 'must be true or false');
  const verify = l['verify_client'] ?? 'none';
  if (verify !== 'none' && verify !== 'optional' && verify !== 'require') fail('listener.verify_client', `must be none, optional or require, not ${JSON.stringify(verify)}`);
  const trust = truststore(home, tableOf(l['truststore']));
  if (verify !== 'none' && !trust) fail('listener.verify_client', `= "${verify}" needs listener.truststore.location (the CAs that issue client certificates)`);
  const interval = tableOf(l['ssl_profile'])['read_interval'] ?? 10_000;
  const readIntervalMs = typeof interval === 'string' && /^\d+$/.test(interval) ? Number(interval) : interval;
  if (typeof readIntervalMs !== 'number' || !Number.isInteger(readIntervalMs) || readIntervalMs < 100) fail('listener.ssl_profile.read_interval', 'must be a number of milliseconds >= 100');
  const server = transportHttp['server_header'] ?? DEFAULT_SERVER_HEADER;
  if (typeof server !== 'string' || /[\r\n]/.test(server)) fail('server_header', 'must be a one-line string ("" sends no Server header)');
  const amHeader = apimgtMutualSsl['certificate_header'];
  const ownHeader = l['client_certificate_header'];
  if (amHeader !== undefined && ownHeader !== undefined && String(amHeader).toLowerCase() !== String(ownHeader).toLowerCase()) {
    fail('listener.client_certificate_header', `and [apimgt.mutual_ssl] certificate_header name different headers (${JSON.stringify(ownHeader)}, ${JSON.stringify(amHeader)}); keep one`);
  }
  const header = ownHeader ?? amHeader ?? DEFAULT_CLIENT_CERT_HEADER;
  if (typeof header !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) fail(ownHeader !== undefined ? 'listener.client_certificate_header' : 'certificate_header ([apimgt.mutual_ssl])', 'must be an HTTP header name');
  // both encodings (URL-encoded PEM, Base64) are recognised from the value itself; the key is checked, not needed
  flagOf(apimgtMutualSsl['client_certificate_encode'], 'client_certificate_encode', false);
  const proxyClientValidation = flagOf(apimgtMutualSsl['enable_client_validation'], 'enable_client_validation', false);
  const certificateChainValidation = flagOf(apimgtMutualSsl['enable_certificate_chain_validation'], 'enable_certificate_chain_validation', false);
  const proxies = list(l['trusted_proxies'], 'listener.trusted_proxies') ?? [];
  if (proxies.length && !trust) fail('listener.trusted_proxies', 'needs listener.truststore.location to verify the forwarded certificates against');
  let trustedProxies: TrustedProxies;
  try {
    trustedProxies = TrustedProxies.parse(proxies);
  } catch (err) {
    fail('listener.trusted_proxies', `has ${(err as Error).message}`);
  }
  return {
    enable,
    ...protocols(l['secured_protocols']),
    ciphers: ciphers(l['preferred_ciphers']),
    verifyClient: verify,
    truststore: trust,
    readIntervalMs,
    serverHeader: server,
    clientCertHeader: header.toLowerCase(),
    trustedProxies,
    proxyClientValidation,
    certificateChainValidation,
  };
}
