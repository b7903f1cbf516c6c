/**
 * `[[external_vault]] name = "hashicorp"` -> typed settings, with Micro Integrator's key names (address,
 * rootToken, roleId/secretId, engineVersion, namespace, cacheableDuration, trustStoreFile, keyStoreFile).
 * TLS material is read here, so a wrong trust store stops the start rather than the first lookup.
 */
import { Errors, MiError } from '../../errors.js';
import { resolveSecurityPath, type KeyStoreConfig } from '../keys/keystore-config.js';
import { loadKeyStore, loadTrustedCertificates } from '../keys/keystore.js';

export type VaultAuth = { kind: 'token'; token: string } | { kind: 'approle'; roleId: string; secretId: string };

export interface HashiCorpConfig {
  readonly address: string;
  readonly auth: VaultAuth;
  readonly engineVersion: 1 | 2;
  readonly namespace: string | undefined;
  readonly cacheMs: number;
  readonly timeoutMs: number;
  /** PEM texts: trusted CAs, and a client key and certificate for mutual TLS. */
  readonly tls: { ca?: string[]; key?: string; cert?: string };
}

const KEYS = [
  'name', 'address', 'rootToken', 'roleId', 'secretId', 'engineVersion', 'namespace', 'cacheableDuration', 'cachableDuration',
  'trustStoreFile', 'trustStorePassword', 'trustStoreType', 'keyStoreFile', 'keyStorePassword', 'keyStoreType', 'timeout',
];

type Table = Record<string, unknown>;

function fail(msg: string): never {
  throw new MiError(Errors.EXTERNAL_VAULT_CONFIG, `[[external_vault]] ${msg}`);
}

function text(t: Table, key: string): string | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') fail(`${key} must be a string`);
  return String(v);
}

/** Micro Integrator writes these numbers as strings of digits; plain TOML integers work too. */
function digits(t: Table, key: string, dflt: number): number {
  const v = text(t, key);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) fail(`${key} must be a whole number, not '${v}'`);
  return Number(v);
}

function storeConfig(home: string, file: string, password: string | undefined, type: string | undefined, where: string): KeyStoreConfig {
  const t = (type ?? (/\.(pem|crt|cer)$/i.test(file) ? 'PEM' : 'PKCS12')).toUpperCase();
  if (t !== 'PEM' && t !== 'PKCS12') fail(`${where} type must be PEM or PKCS12 (JKS: convert it with keytool -importkeystore)`);
  return { where: `[[external_vault]] ${where}`, file: resolveSecurityPath(home, file), type: t, keyFile: undefined, password: password ?? '', alias: undefined, keyPassword: undefined, allowDefault: true };
}

export function hashicorpConfig(home: string, value: unknown, warnings: string[], truststore: KeyStoreConfig | undefined): HashiCorpConfig | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  let found: Table | undefined;
  for (const v of list) {
    if (!v || typeof v !== 'object') fail('must be a table');
    const t = v as Table;
    const name = text(t, 'name');
    if (name !== 'hashicorp') fail(`name must be "hashicorp" (the one external vault supported), not ${name === undefined ? 'missing' : `'${name}'`}`);
    if (found) fail('"hashicorp" is configured twice');
    found = t;
  }
  if (!found) return undefined;
  const t = found;
  for (const k of Object.keys(t)) {
    if (k === 'ldapUsername' || k === 'ldapPassword') fail('LDAP authentication is not supported; use rootToken or AppRole (roleId and secretId)');
    if (!KEYS.includes(k)) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  unknown key [[external_vault]] ${k} is ignored; known keys: ${KEYS.join(', ')}`);
  }
  const address = text(t, 'address');
  if (!address) fail('address is required, e.g. "http://127.0.0.1:8200"');
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    fail(`address '${address}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`address must be http:// or https://, not ${url.protocol}`);
  const rootToken = text(t, 'rootToken');
  const roleId = text(t, 'roleId');
  const secretId = text(t, 'secretId');
  let auth: VaultAuth;
  if (roleId !== undefined || secretId !== undefined) {
    if (!roleId || !secretId) fail('AppRole authentication needs both roleId and secretId');
    if (rootToken !== undefined) fail('set either rootToken or roleId/secretId, not both');
    auth = { kind: 'approle', roleId, secretId };
  } else if (rootToken) {
    auth = { kind: 'token', token: rootToken };
  } else {
    fail('needs rootToken, or roleId and secretId for AppRole authentication');
  }
  const engine = digits(t, 'engineVersion', 2);
  if (engine !== 1 && engine !== 2) fail(`engineVersion must be 1 or 2, not ${engine}`);
  let cacheMs = digits(t, 'cacheableDuration', 15_000);
  if (t['cachableDuration'] !== undefined) {
    if (t['cacheableDuration'] === undefined) cacheMs = digits(t, 'cachableDuration', 15_000);
    warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  [[external_vault]] cachableDuration is a misspelling (Micro Integrator ignores it); write cacheableDuration${t['cacheableDuration'] === undefined ? ' (the value is used here)' : ' (ignored: cacheableDuration is set)'}`);
  }
  const tls: HashiCorpConfig['tls'] = {};
  if (url.protocol === 'https:') {
    const trustFile = text(t, 'trustStoreFile');
    const trust = trustFile ? storeConfig(home, trustFile, text(t, 'trustStorePassword'), text(t, 'trustStoreType'), 'trustStoreFile') : truststore;
    if (trust) tls.ca = loadTrustedCertificates(trust);
    const keyFile = text(t, 'keyStoreFile');
    if (keyFile) {
      const ks = loadKeyStore(storeConfig(home, keyFile, text(t, 'keyStorePassword'), text(t, 'keyStoreType'), 'keyStoreFile'));
      tls.key = ks.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      tls.cert = ks.certificates.join('\n');
    }
  }
  return {
    address: address.replace(/\/+$/, ''),
    auth,
    engineVersion: engine,
    namespace: text(t, 'namespace') || undefined,
    cacheMs,
    timeoutMs: digits(t, 'timeout', 5_000),
    tls,
  };
}
