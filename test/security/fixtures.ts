/** Shared set-up for the security tests: one real key store per test file, and the cipher text of values. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKeyStore, type CreatedKeyStore } from '../../src/security/keys/keystore-create.js';
import { loadKeyStore } from '../../src/security/keys/keystore.js';
import { encryptSecret } from '../../src/security/keys/cipher.js';

export interface TestKeyStore extends CreatedKeyStore {
  dir: string;
  /** A [keystore.primary] section with absolute paths, for any home. */
  toml: string;
  encrypt(plain: string): string;
  password: string;
}

/** A fresh RSA 3072 key store made by the same code as `mi keystore create`. */
export async function makeKeyStore(): Promise<TestKeyStore> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-ks-'));
  const created = await createKeyStore({ dir });
  const password = readFileSync(created.passwordFile, 'utf8').trim();
  const ks = loadKeyStore({ where: 'test', file: created.file, type: 'PKCS12', keyFile: undefined, password, alias: 'primary', keyPassword: undefined, allowDefault: false });
  return {
    ...created,
    dir,
    password,
    toml: `[keystore.primary]\nfile_name = ${JSON.stringify(created.file)}\ntype = "PKCS12"\nalias = "primary"\npassword_file = ${JSON.stringify(created.passwordFile)}\n`,
    encrypt: (plain) => encryptSecret(ks.publicKey, plain),
  };
}

export function openssl(args: string[], input?: string | Buffer): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

export const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';
