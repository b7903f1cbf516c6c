/**
 * Every secret value the runtime has decrypted or fetched, handed to the log maskers. deployment.toml is
 * resolved before logging starts, so values revealed then are kept and replayed to each masker attached later.
 */
import type { SecretMasker } from '../../logging/secret-masker.js';

export class RevealedSecrets {
  private readonly early = new Set<string>();
  private readonly maskers: SecretMasker[] = [];

  add(value: string): void {
    if (!value) return;
    if (this.maskers.length === 0) this.early.add(value);
    for (const m of this.maskers) m.add(value);
  }

  maskWith(masker: SecretMasker): void {
    if (this.maskers.includes(masker)) return;
    this.maskers.push(masker);
    for (const v of this.early) masker.add(v);
  }
}
