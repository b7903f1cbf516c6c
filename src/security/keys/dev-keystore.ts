/**
 * `npm start` on a fresh clone must work without anyone making a key first: when deployment.toml names no
 * key store and none was made yet, the first start makes a development one in deployment/security/
 * (git-ignored) and says so. deployment.toml is not touched; the key store is found there by name.
 */
import path from 'node:path';
import { createKeyStore } from './keystore-create.js';
import { devKeyStoreConfig, securityDir } from './keystore-config.js';

/** Makes the development key store if it is missing; returns the line to print, or undefined. */
export async function ensureDevKeyStore(home: string): Promise<string | undefined> {
  if (devKeyStoreConfig(home)) return undefined;
  const created = await createKeyStore({ dir: securityDir(home) });
  const rel = (f: string): string => path.relative(home, f) || f;
  return (
    `created a development key store ${rel(created.file)} (RSA 3072, password in ${path.basename(created.passwordFile)}) ` +
    'because deployment.toml has no [keystore.primary]; run `mi keystore create` for one recorded there'
  );
}
