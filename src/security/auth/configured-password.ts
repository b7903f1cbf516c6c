/**
 * Passwords of `[[internal_apis.users]]` may be written as hashes, in the form WSO2 API Microgateway's
 * users take in micro-gw.conf (Ballerina's config users): `@sha256:{<hex>}`, and likewise `@sha1`,
 * `@sha384`, `@sha512` (the Microgateway 3.0 wrote SHA-1 hex bare; here it needs its `@sha1:` prefix, since a
 * bare value is a plain password in Micro Integrator's toml). The hash is of the UTF-8 password, unsalted:
 * it keeps the password out of the file, not out of reach of a guess, so a strong password still matters,
 * and the server cannot know such a password (WS-Security PasswordDigest cannot be checked for that user).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Errors, MiError } from '../../errors.js';

export type PasswordHashAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface HashedPassword {
  readonly algorithm: PasswordHashAlgorithm;
  readonly digest: Buffer;
}

const HEX_LENGTH: Record<PasswordHashAlgorithm, number> = { sha1: 40, sha256: 64, sha384: 96, sha512: 128 };
const FORM = /^@(sha\w*):\{(.*)\}$/s;
/** `@<name>:{...}`: meant as a hash (an unknown name is an error, not a plain password that happens to look so). */
const HASH_LIKE = /^@[A-Za-z][A-Za-z0-9-]*:\{.*\}$/s;

/**
 * The hash a configured password is written as; undefined for a plain password. Throws MI_API_019 for a
 * value in the hash form that is malformed (`where` names the user, never the value).
 */
export function hashedPassword(value: string, where: string): HashedPassword | undefined {
  if (!value.startsWith('@sha') && !HASH_LIKE.test(value)) return undefined;
  const unknown = /^@([^:]+):\{/.exec(value);
  const m = FORM.exec(value);
  if (!m && unknown) throw new MiError(Errors.FILE_USER_PASSWORD_HASH, `${where}: @${unknown[1]} is not a supported hash; use @sha1, @sha256, @sha384 or @sha512`);
  if (!m) throw new MiError(Errors.FILE_USER_PASSWORD_HASH, `${where}: a hashed password is written @sha256:{hex} (or @sha1, @sha384, @sha512)`);
  const algorithm = m[1]!.toLowerCase() as PasswordHashAlgorithm;
  if (!(algorithm in HEX_LENGTH)) throw new MiError(Errors.FILE_USER_PASSWORD_HASH, `${where}: @${m[1]} is not a supported hash; use @sha1, @sha256, @sha384 or @sha512`);
  const hex = m[2]!.trim();
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new MiError(Errors.FILE_USER_PASSWORD_HASH, `${where}: a @${algorithm} password has ${HEX_LENGTH[algorithm]} hex digits`);
  }
  return Object.freeze({ algorithm, digest: Buffer.from(hex, 'hex') });
}

/** Whether `password` hashes to `h` (constant time). */
export function passwordMatches(h: HashedPassword, password: string): boolean {
  return timingSafeEqual(createHash(h.algorithm).update(password, 'utf8').digest(), h.digest);
}
