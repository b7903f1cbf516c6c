/**
 * The secure vault's cipher: RSA-OAEP with SHA-1 and MGF1 (Micro Integrator's
 * `RSA/ECB/OAEPwithSHA1andMGF1Padding`), Base64 text. Values encrypted by Micro Integrator's ciphertool with
 * the same key decrypt here and the other way round.
 */
import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { Errors, MiError } from '../../errors.js';

const OAEP_SHA1_OVERHEAD = 2 * 20 + 2;

export function encryptSecret(publicKey: KeyObject, plain: string): string {
  const data = Buffer.from(plain, 'utf8');
  const max = (publicKey.asymmetricKeyDetails?.modulusLength ?? 2048) / 8 - OAEP_SHA1_OVERHEAD;
  if (data.length > max) throw new MiError(Errors.SECRET_CIPHER, `the value is ${data.length} bytes long; this key encrypts at most ${max}`);
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, data).toString('base64');
}

/** `label` names the secret in errors (an alias); the cipher text and the value never appear there. */
export function decryptSecret(privateKey: KeyObject, cipherText: string, label: string): string {
  const b64 = cipherText.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new MiError(Errors.SECRET_CIPHER, `${label} is not Base64 cipher text; put the plain value in [brackets] and run \`mi cipher-tool\``);
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(b64, 'base64')).toString('utf8');
  } catch {
    throw new MiError(Errors.SECRET_CIPHER, `${label} cannot be decrypted with the primary key; it was encrypted with another key (encrypt it again with \`mi cipher-tool\`)`);
  }
}
