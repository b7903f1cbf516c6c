/**
 * Values known to be secret for the life of the process (vault lookups, $secret{} values, key store and
 * user passwords) are replaced by ***** in every log line of every appender, whatever the pattern says.
 * Lines are checked with indexOf against the list; values under 4 characters are not tracked (they would
 * mask ordinary words). A request's own credentials are not here: they are masked only in that request's
 * content (request-secrets.ts), since a client chooses them.
 */
import { escapeControlCharacters } from './control-characters.js';

export class SecretMasker {
  private readonly permanent = new Set<string>();
  private readonly maxPermanent = 10_000;

  /** A secret for the life of the process (bounded; the oldest are dropped first). */
  add(value: string | undefined): void {
    if (!value || value.length < 4) return;
    this.keep(value);
    // the layout writes control characters visibly: a secret holding one is found in that form
    const written = escapeControlCharacters(value);
    if (written !== value) this.keep(written);
  }

  private keep(value: string): void {
    if (this.permanent.has(value)) return;
    if (this.permanent.size >= this.maxPermanent) this.permanent.delete(this.permanent.values().next().value!);
    this.permanent.add(value);
  }

  get empty(): boolean {
    return this.permanent.size === 0;
  }

  mask(line: string): string {
    if (this.empty) return line;
    let out = line;
    for (const s of this.permanent) if (out.includes(s)) out = out.split(s).join('*****');
    return out;
  }
}
