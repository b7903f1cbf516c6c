/** UsernameToken Profile 1.1 PasswordDigest: Base64(SHA-1(nonce bytes + Created text + password)). */
import { createHash, timingSafeEqual } from 'node:crypto';

export function passwordDigest(nonce: Buffer, created: string, password: string): Buffer {
  return createHash('sha1').update(nonce).update(created, 'utf8').update(password, 'utf8').digest();
}

/** Compares in constant time; a digest of the wrong length simply does not match. */
export function digestMatches(sentBase64: string, nonce: Buffer, created: string, password: string): boolean {
  const sent = Buffer.from(sentBase64, 'base64');
  const expected = passwordDigest(nonce, created, password);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}
