/**
 * The secure vault: `[secrets]` aliases holding Base64 RSA-OAEP cipher text (or a `$env{}`/`$sys{}` that
 * holds it), decrypted with the primary key store. Decrypted values are reported to the log maskers.
 */
import { Errors, MiError } from '../../errors.js';
import { decryptSecret } from '../keys/cipher.js';
import type { PrimaryKeyStore } from '../keys/primary-keystore.js';
import type { RevealedSecrets } from './revealed-secrets.js';

export class SecureVault {
  constructor(
    private readonly cipherTexts: ReadonlyMap<string, string>,
    readonly keystore: PrimaryKeyStore,
    private readonly revealed: RevealedSecrets,
  ) {}

  has(alias: string): boolean {
    return this.cipherTexts.has(alias);
  }

  get aliases(): string[] {
    return [...this.cipherTexts.keys()];
  }

  /** The plain value of a [secrets] alias. */
  decrypt(alias: string): string {
    const c = this.cipherTexts.get(alias);
    if (c === undefined) {
      throw new MiError(Errors.SECRET_UNKNOWN_ALIAS, `secret alias '${alias}' is not declared under [secrets] in deployment.toml${this.cipherTexts.size ? ` (declared: ${this.aliases.join(', ')})` : ''}`);
    }
    return this.decryptValue(c, `[secrets] ${alias}`);
  }

  /** Decrypts cipher text from anywhere (an encrypted Docker secret, file or variable). */
  decryptValue(cipherText: string, label: string): string {
    const plain = decryptSecret(this.keystore.get().privateKey, cipherText, label);
    this.revealed.add(plain);
    return plain;
  }

  /** Decrypts every alias once, so a wrong key or a damaged value stops the start instead of a request. */
  checkAll(): void {
    for (const alias of this.cipherTexts.keys()) this.decrypt(alias);
  }
}
