/**
 * Values known to be secret for the life of the process (vault lookups, $secret{} values, key store and
 * user passwords) are replaced by ***** in every log line of every appender, whatever the pattern says,
 * and in every error reply the runtime writes (see reply-masker.ts). A secret brings its derived forms
 * (Base64, a Basic header built from it, URL- and JSON-escaped; see secret-forms.ts) and the form the
 * layout writes control characters in. The values are found with one RegExp alternation (longest first, so
 * a secret inside another does not break the longer one's mask), which costs about the same for one secret
 * or a hundred. Values under 4 characters are not tracked (they would mask ordinary words). A request's
 * own credentials are not here: they are masked only in that request's content (request-secrets.ts),
 * since a client chooses them.
 */
import { derivedForms } from './secret-forms.js';
import { escapeControlCharacters } from './control-characters.js';

export class SecretMasker {
  private readonly permanent = new Set<string>();
  private readonly maxPermanent = 10_000;
  /** The permanent values as one alternation, longest first; rebuilt after an add, null when none. */
  private pattern: RegExp | null | undefined = null;

  /** A secret for the life of the process, with its derived forms (bounded; the oldest are dropped first). */
  add(value: string | undefined): void {
    if (!value || value.length < 4 || this.permanent.has(value)) return;
    for (const v of [value, ...derivedForms(value)]) {
      this.keep(v);
      // the layout writes control characters visibly: a secret holding one is found in that form
      const written = escapeControlCharacters(v);
      if (written !== v) this.keep(written);
    }
    this.pattern = undefined;
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
    if (this.pattern === undefined) this.pattern = alternation([...this.permanent]);
    const re = this.pattern;
    if (re === null) return line;
    re.lastIndex = 0;
    return re.test(line) ? line.replace(re, '*****') : line;
  }
}

function alternation(values: string[]): RegExp | null {
  if (values.length === 0) return null;
  values.sort((a, b) => b.length - a.length);
  return new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'g');
}
