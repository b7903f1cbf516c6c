/**
 * `[keystore.primary]` and `[truststore]` -> typed settings. Relative paths are relative to
 * HOME/deployment/security/ (as Micro Integrator's are to its security folder); `${carbon.home}` works too.
 * Without `[keystore.primary]`, the development key store that `mi start` makes on first start is found
 * there by name (primary.p12 and its password file), so the repository's deployment.toml stays untouched.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Errors, MiError } from '../../errors.js';

export type KeyStoreType = 'PKCS12' | 'PEM';

export interface KeyStoreConfig {
  /** Where it was configured, for messages: `[keystore.primary]`, `[truststore]`, ... */
  readonly where: string;
  readonly file: string;
  readonly type: KeyStoreType;
  /** PEM only: the private key when it is not in `file`. */
  readonly keyFile: string | undefined;
  /** Resolved from `password` or `password_file`; '' when none is set. Never logged. */
  readonly password: string;
  readonly alias: string | undefined;
  readonly keyPassword: string | undefined;
  readonly allowDefault: boolean;
}

export const DEV_KEYSTORE = { file: 'primary.p12', passwordFile: 'primary.p12.password', alias: 'primary' } as const;

/** Passwords every copy of some product ships with: a key store protected by one protects nothing. */
export const DEFAULT_PASSWORDS: ReadonlySet<string> = new Set(['wso2carbon', 'changeit', 'password', '']);

const KEYS = ['file_name', 'type', 'password', 'password_file', 'alias', 'key_password', 'allow_default', 'key_file'];

export function securityDir(home: string): string {
  return path.join(home, 'deployment', 'security');
}

export function resolveSecurityPath(home: string, p: string): string {
  const expanded = p.replace(/\$\{(carbon\.home|mi\.home)\}/g, home);
  return path.isAbsolute(expanded) ? expanded : path.join(securityDir(home), expanded);
}

type Table = Record<string, unknown>;

function str(t: Table, key: string, where: string): string | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new MiError(Errors.CONFIG_VALUE, `${where} ${key} must be a string`);
  return v;
}

/** Reads a password file: its content without the trailing newline. */
export function readPasswordFile(file: string, where: string, warnings?: string[]): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MiError(Errors.KEYSTORE, `${where} password_file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (warnings && process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    warnings.push(`${Errors.KEYSTORE.code}  ${where} password_file ${file} can be read by other users; chmod 600 it`);
  }
  return text.replace(/\r?\n$/, '');
}

export function keyStoreConfig(home: string, t: Table, where: string, warnings: string[]): KeyStoreConfig {
  for (const k of Object.keys(t)) {
    if (!KEYS.includes(k)) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  unknown key ${where} ${k} is ignored; known keys: ${KEYS.join(', ')}`);
  }
  const fileName = str(t, 'file_name', where);
  if (!fileName) throw new MiError(Errors.CONFIG_VALUE, `${where} needs file_name (a PKCS12 or PEM file; relative to deployment/security/)`);
  const type = (str(t, 'type', where) ?? (/\.pem$/i.test(fileName) ? 'PEM' : 'PKCS12')).toUpperCase();
  if (type === 'JKS') {
    throw new MiError(Errors.KEYSTORE, `${where} type JKS is not supported; convert it with \`keytool -importkeystore -srckeystore ${fileName} -destkeystore primary.p12 -deststoretype PKCS12\` or make a new one with \`mi keystore create\``);
  }
  if (type !== 'PKCS12' && type !== 'PEM') throw new MiError(Errors.CONFIG_VALUE, `${where} type must be PKCS12 or PEM, not '${type}'`);
  const inline = str(t, 'password', where);
  const passwordFile = str(t, 'password_file', where);
  if (inline !== undefined && passwordFile !== undefined) throw new MiError(Errors.CONFIG_VALUE, `${where} has both password and password_file; keep one`);
  const password = passwordFile !== undefined ? readPasswordFile(resolveSecurityPath(home, passwordFile), where, warnings) : inline ?? '';
  const allow = t['allow_default'];
  if (allow !== undefined && typeof allow !== 'boolean') throw new MiError(Errors.CONFIG_VALUE, `${where} allow_default must be true or false`);
  const keyFile = str(t, 'key_file', where);
  return {
    where,
    file: resolveSecurityPath(home, fileName),
    type,
    keyFile: keyFile === undefined ? undefined : resolveSecurityPath(home, keyFile),
    password,
    alias: str(t, 'alias', where),
    keyPassword: str(t, 'key_password', where),
    allowDefault: allow === true,
  };
}

/**
 * Refuses a key store protected by a password everybody knows. A PEM key without a passphrase is
 * protected by its file permissions instead, so only a passphrase that is set is checked there.
 */
export function checkDefaultPassword(cfg: KeyStoreConfig): void {
  if (cfg.allowDefault) return;
  const passwords = cfg.type === 'PEM' ? [cfg.password, cfg.keyPassword].filter((p) => p) : [cfg.password, cfg.keyPassword ?? cfg.password];
  if (passwords.some((p) => DEFAULT_PASSWORDS.has(p!))) {
    throw new MiError(
      Errors.KEYSTORE_DEFAULT_PASSWORD,
      `${cfg.where} ${cfg.file} is protected by a well-known default password (wso2carbon, changeit, password or empty): ` +
        'anyone who has a copy of it can read the key that protects your secrets. Make a fresh one with ' +
        '`mi keystore create --home DIR`, or set allow_default = true under ' + cfg.where + ' for a throwaway setup',
    );
  }
}

/** The development key store, when `mi start` or `mi keystore create` has made it. */
export function devKeyStoreConfig(home: string, warnings?: string[]): KeyStoreConfig | undefined {
  const dir = securityDir(home);
  const file = path.join(dir, DEV_KEYSTORE.file);
  const pw = path.join(dir, DEV_KEYSTORE.passwordFile);
  if (!existsSync(file) || !existsSync(pw)) return undefined;
  return {
    where: '(development key store)',
    file,
    type: 'PKCS12',
    keyFile: undefined,
    password: readPasswordFile(pw, '(development key store)', warnings),
    alias: DEV_KEYSTORE.alias,
    keyPassword: undefined,
    allowDefault: false,
  };
}
