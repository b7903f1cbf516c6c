/**
 * Where `wso2:vault-lookup(alias, TYPE, encrypted)` reads a value from: DOCKER (a file under /run/secrets),
 * FILE (a file under the home) and ENV (an environment variable, how Kubernetes passes a Secret). As in
 * Micro Integrator, a file's lines are joined without their line breaks and the result is trimmed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Errors, MiError } from '../../errors.js';

export type SecretSourceType = 'DOCKER' | 'FILE' | 'ENV';

export function isSourceType(t: string | undefined): t is SecretSourceType {
  return t === 'DOCKER' || t === 'FILE' || t === 'ENV';
}

function underRoot(root: string, alias: string, type: SecretSourceType): string {
  const file = path.resolve(root, alias);
  if (alias === '' || (file !== root && !file.startsWith(root.endsWith(path.sep) ? root : root + path.sep))) {
    throw new MiError(Errors.SECRET_MISSING, `vault-lookup('${alias}', '${type}'): the alias must name a file inside ${root}`);
  }
  return file;
}

function readSecretFile(root: string, alias: string, type: SecretSourceType): string {
  const file = underRoot(path.resolve(root), alias, type);
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/).join('').trim();
  } catch (err) {
    const what = type === 'DOCKER' ? 'Docker secret' : 'secret file';
    throw new MiError(Errors.SECRET_MISSING, `vault-lookup('${alias}', '${type}'): no ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

/** The raw (possibly encrypted) value; '' when the source exists but is empty. */
export function readSecretSource(type: SecretSourceType, alias: string, roots: { dockerDir: string; fileDir: string }, env: NodeJS.ProcessEnv = process.env): string {
  if (type === 'ENV') {
    const v = env[alias];
    if (v === undefined) throw new MiError(Errors.SECRET_MISSING, `vault-lookup('${alias}', 'ENV'): environment variable ${alias} is not set`);
    return v.trim();
  }
  return readSecretFile(type === 'DOCKER' ? roots.dockerDir : roots.fileDir, alias, type);
}
