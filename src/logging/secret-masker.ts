/**
 * Values known to be secret (vault lookups, $secret{} values, user passwords, Authorization header values of
 * requests in flight) are replaced by ***** in every log line of every appender, whatever the pattern says,
 * and in every error reply the runtime writes (see reply-masker.ts). A permanent secret brings its derived
 * forms (Base64, a Basic header built from it, URL- and JSON-escaped; see secret-forms.ts). The permanent
 * values are found with one RegExp alternation (longest first, so a secret inside another does not break
 * the longer one's mask), which costs about the same for one secret or a hundred; the few in-flight values
 * with indexOf. Values under 4 characters are not tracked (they would mask ordinary words).
 */
import { derivedForms } from './secret-forms.js';

export class SecretMasker {
  private readonly permanent = new Set<string>();
  private readonly transient = new Map<string, number>();
  private readonly maxPermanent = 10_000;
  /** The permanent values as one alternation, longest first; rebuilt after an add, null when none. */
  private pattern: RegExp | null | undefined = null;

  /** A secret for the life of the process, with its derived forms (bounded; the oldest are dropped first). */
  add(value: string | undefined): void {
    if (!value || value.length < 4 || this.permanent.has(value)) return;
    for (const v of [value, ...derivedForms(value)]) {
      if (this.permanent.has(v)) continue;
      if (this.permanent.size >= this.maxPermanent) this.permanent.delete(this.permanent.values().next().value!);
      this.permanent.add(v);
    }
    this.pattern = undefined;
  }

  /** A secret for the duration of one request: call the returned function when it ends. */
  addTransient(value: string | undefined): () => void {
    if (!value || value.length < 4) return () => {};
    this.transient.set(value, (this.transient.get(value) ?? 0) + 1);
    return () => {
      const n = (this.transient.get(value) ?? 1) - 1;
      if (n <= 0) this.transient.delete(value);
      else this.transient.set(value, n);
    };
  }

  get empty(): boolean {
    return this.permanent.size === 0 && this.transient.size === 0;
  }

  mask(line: string): string {
    if (this.empty) return line;
    let out = line;
    if (this.pattern === undefined) this.pattern = alternation([...this.permanent]);
    const re = this.pattern;
    if (re !== null) {
      re.lastIndex = 0;
      if (re.test(out)) out = out.replace(re, '*****');
    }
    for (const s of this.transient.keys()) if (out.includes(s)) out = out.split(s).join('*****');
    return out;
  }
}

function alternation(values: string[]): RegExp | null {
  if (values.length === 0) return null;
  values.sort((a, b) => b.length - a.length);
  return new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'g');
}
