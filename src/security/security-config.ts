/**
 * The security part of deployment.toml, resolved in the order the parts depend on each other:
 * `[secrets]` must already be encrypted -> `$env{}`/`$sys{}` everywhere -> the primary key store (whose own
 * password cannot be a `$secret{}`: the vault needs the key to decrypt anything) -> `$secret{}` everywhere ->
 * lookup settings and `[[external_vault]]`. Nothing is read from disk unless a section needs it.
 */
import path from 'node:path';
import { Errors, MiError } from '../errors.js';
import { tableOf, type Table } from '../config/section.js';
import { checkDefaultPassword, keyStoreConfig, type KeyStoreConfig } from './keys/keystore-config.js';
import { envResolver, refersToSecret, substitute, sysResolver } from './vault/placeholders.js';
import { PrimaryKeyStore } from './keys/primary-keystore.js';
import { RevealedSecrets } from './vault/revealed-secrets.js';
import { hashicorpConfig, type HashiCorpConfig } from './vault/hashicorp-config.js';
import { SecureVault } from './vault/secure-vault.js';

export interface LookupSettings {
  /** How long a looked-up or decrypted value is kept (Micro Integrator's 10000 ms). */
  readonly cacheMs: number;
  /** Root of wso2:vault-lookup(alias, 'DOCKER', ..). */
  readonly dockerDir: string;
  /** Root of wso2:vault-lookup(alias, 'FILE', ..). */
  readonly fileDir: string;
}

export interface SecurityConfig {
  readonly keystore: PrimaryKeyStore;
  readonly truststore: KeyStoreConfig | undefined;
  readonly vault: SecureVault;
  readonly lookups: LookupSettings;
  readonly hashicorp: HashiCorpConfig | undefined;
  /** Every secret value revealed so far and from now on, for the log maskers. */
  readonly revealed: RevealedSecrets;
}


export const BRACKETED = /^\[[\s\S]*\]$/;

const VAULT_KEYS = ['cache_duration', 'docker_secrets_dir', 'file_secrets_dir'];

function lookupSettings(home: string, t: Table, warnings: string[]): LookupSettings {
  for (const k of Object.keys(t)) {
    if (!VAULT_KEYS.includes(k)) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  unknown key [secure_vault] ${k} is ignored; known keys: ${VAULT_KEYS.join(', ')}`);
  }
  const c = t['cache_duration'] ?? 10_000;
  const cacheMs = typeof c === 'string' && /^\d+$/.test(c) ? Number(c) : c;
  if (typeof cacheMs !== 'number' || !Number.isInteger(cacheMs) || cacheMs < 0) throw new MiError(Errors.CONFIG_VALUE, `[secure_vault] cache_duration must be a number of milliseconds >= 0`);
  const dir = (key: string, dflt: string): string => {
    const v = t[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || v === '') throw new MiError(Errors.CONFIG_VALUE, `[secure_vault] ${key} must be a folder name`);
    return path.resolve(home, v);
  };
  return { cacheMs, dockerDir: dir('docker_secrets_dir', '/run/secrets'), fileDir: dir('file_secrets_dir', home) };
}

/** [keystore.primary] of a document whose $env{}/$sys{} are resolved, checked for default passwords. */
function primaryFrom(home: string, doc: Table, warnings: string[]): PrimaryKeyStore {
  const section = tableOf(doc['keystore'])['primary'];
  if (section === undefined) return new PrimaryKeyStore(home, undefined);
  if (refersToSecret(section)) {
    throw new MiError(Errors.CONFIG_PLACEHOLDER, '[keystore.primary] cannot use $secret{}: the vault needs this key store to decrypt anything; keep its password in password_file');
  }
  const cfg = keyStoreConfig(home, tableOf(section), '[keystore.primary]', warnings);
  checkDefaultPassword(cfg);
  return new PrimaryKeyStore(home, cfg);
}

/** The primary key store as the command-line tools see it: only its own section is resolved. */
export function primaryKeyStoreOf(home: string, raw: Table, warnings: string[], env: NodeJS.ProcessEnv = process.env): PrimaryKeyStore {
  const doc = substitute({ keystore: raw['keystore'] }, { env: envResolver(env), sys: sysResolver(home, raw) });
  return primaryFrom(home, doc, warnings);
}

export interface ResolvedSecurity {
  /** The document with every placeholder replaced. */
  doc: Table;
  security: SecurityConfig;
}

export function securityFrom(home: string, raw: Table, warnings: string[], env: NodeJS.ProcessEnv = process.env): ResolvedSecurity {
  const rawSecrets = tableOf(raw['secrets']);
  const plain = Object.entries(rawSecrets).filter(([, v]) => typeof v === 'string' && BRACKETED.test(v)).map(([k]) => k);
  if (plain.length) {
    throw new MiError(
      Errors.SECRET_NOT_ENCRYPTED,
      `[secrets] ${plain.join(', ')} ${plain.length > 1 ? 'are' : 'is'} still plain text in [brackets]; encrypt with \`mi cipher-tool --home ${home}\``,
    );
  }
  for (const [k, v] of Object.entries(rawSecrets)) {
    if (typeof v !== 'string') throw new MiError(Errors.CONFIG_VALUE, `[secrets] ${k} must be a string (cipher text, or "[plain text]" for mi cipher-tool)`);
    if (refersToSecret(v)) throw new MiError(Errors.CONFIG_PLACEHOLDER, `[secrets] ${k} cannot refer to another $secret{}`);
  }
  const doc1 = substitute(raw, { env: envResolver(env), sys: sysResolver(home, raw) });
  const keystore = primaryFrom(home, doc1, warnings);
  const revealed = new RevealedSecrets();
  revealed.add(keystore.configured?.password ?? '');
  const vault = new SecureVault(new Map(Object.entries(tableOf(doc1['secrets'])).map(([k, v]) => [k, String(v)])), keystore, revealed);
  vault.checkAll();
  const doc = substitute(doc1, {
    secret: (alias, where) => {
      if (!vault.has(alias)) throw new MiError(Errors.CONFIG_PLACEHOLDER, `deployment.toml ${where}: $secret{${alias}} names no alias under [secrets]`);
      return vault.decrypt(alias);
    },
  });
  const trust = doc['truststore'];
  const truststore = trust === undefined ? undefined : keyStoreConfig(home, tableOf(trust), '[truststore]', warnings);
  if (truststore) revealed.add(truststore.password);
  return {
    doc,
    security: {
      keystore,
      truststore,
      vault,
      lookups: lookupSettings(home, tableOf(doc['secure_vault']), warnings),
      hashicorp: hashicorpConfig(home, doc['external_vault'], warnings, truststore),
      revealed,
    },
  };
}
