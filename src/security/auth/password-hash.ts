/**
 * Password hashes for the database user store: scrypt (node:crypto, on the libuv thread pool) with a fresh
 * 16-byte salt per hash, encoded `scrypt$N$r$p$<salt b64>$<hash b64>` so the cost can rise while old
 * hashes keep verifying with the parameters they were made with; `isOutdated` tells the store which ones to
 * rewrite after a successful login. Comparison is constant-time.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * OWASP's minimum for scrypt: 2^17 × 8 × 128 bytes = 128 MiB and about 0.3 s per hash on a server core
 * (1 s on a busy small one). Hashes made before with 2^15 are rewritten at the next login.
 */
export const SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Memory one verification may use (128·N·r): twice today's cost, so a tampered row cannot ask for gigabytes. */
const MAX_MEMORY = 256 * 1024 * 1024;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  // node refuses a hash whose 128·N·r reaches maxmem (32 MiB by default): allow it with room to spare
  const maxmem = 2 * 128 * options.N! * options.r!;
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, keylen, { ...options, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const { N, r, p } = SCRYPT_PARAMS;
  const salt = randomBytes(SALT_LENGTH);
  const hash = await scrypt(password, salt, KEY_LENGTH, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface Decoded {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** Bounds keep a tampered row from asking for gigabytes of memory or minutes of work. */
function decode(encoded: string): Decoded | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const powerOfTwo = Number.isInteger(N) && N >= 2 && N <= 2 ** 20 && (N & (N - 1)) === 0;
  if (!powerOfTwo || !Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return undefined;
  if (128 * N * r > MAX_MEMORY) return undefined;
  const salt = Buffer.from(parts[4]!, 'base64');
  const hash = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return undefined;
  return { N, r, p, salt, hash };
}

/** True when `password` matches `encoded`; false (after the same work) for a malformed hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const d = decode(encoded);
  if (!d) return dummyVerification(password);
  const actual = await scrypt(password, d.salt, d.hash.length, { N: d.N, r: d.r, p: d.p });
  return timingSafeEqual(actual, d.hash);
}

/** True when a (valid) hash was made with weaker parameters than new hashes get: rewrite it at the next login. */
export function isOutdated(encoded: string): boolean {
  const d = decode(encoded);
  if (!d) return false;
  return d.N < SCRYPT_PARAMS.N || d.r < SCRYPT_PARAMS.r || d.p < SCRYPT_PARAMS.p || d.hash.length < KEY_LENGTH;
}

/** Costs what a real verification costs and always fails: an unknown user must not answer faster. */
export async function dummyVerification(password: string): Promise<false> {
  const { N, r, p } = SCRYPT_PARAMS;
  await scrypt(password, randomBytes(SALT_LENGTH), KEY_LENGTH, { N, r, p });
  return false;
}
