/**
 * The section-reader kit every feature's deployment.toml settings use: one way to reach a table, read a
 * typed value with its default, and report a wrong type or an unknown key, so that every message names the
 * section and key alike (`[management_api.cors] enabled must be true or false, got "yes"`). Micro Integrator
 * writes numbers and flags as strings ("3600", "true") as often as not: both are accepted.
 */
import { Errors, MiError } from '../errors.js';

export type Table = Record<string, unknown>;

/** The value as a table; anything else (absent, a scalar, an array) reads as an empty one. */
export function tableOf(v: unknown): Table {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Table) : {};
}

export class Section {
  constructor(
    /** The section's name as written in brackets, e.g. `management_api.cors`. */
    readonly where: string,
    readonly table: Table,
  ) {}

  /** The table at a dotted path of the document (`management_api.cors`); empty when absent. */
  static at(doc: Table, path: string): Section {
    let t = doc;
    for (const k of path.split('.')) t = tableOf(t[k]);
    return new Section(path, t);
  }

  child(key: string): Section {
    return new Section(`${this.where}.${key}`, tableOf(this.table[key]));
  }

  get(key: string): unknown {
    return this.table[key];
  }

  fail(key: string, want: string, got: unknown): never {
    throw new MiError(Errors.CONFIG_VALUE, `[${this.where}] ${key} must be ${want}, got ${JSON.stringify(got)}`);
  }

  /** A whole number >= min. */
  int(key: string, dflt: number, min = 0): number {
    const v = this.table[key];
    if (v === undefined) return dflt;
    const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min) this.fail(key, `a whole number >= ${min}`, v);
    return n;
  }

  /** A number >= min (fractions allowed). */
  number(key: string, dflt: number, min = 0): number {
    const v = this.table[key];
    if (v === undefined) return dflt;
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min) this.fail(key, `a number >= ${min}`, v);
    return n;
  }

  flag(key: string, dflt: boolean): boolean {
    const v = this.table[key];
    if (v === undefined) return dflt;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    return this.fail(key, 'true or false', v);
  }

  text(key: string, dflt: string): string {
    const v = this.table[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'string') this.fail(key, 'a string', v);
    return v;
  }

  /** A non-empty string (trimmed), or undefined when absent. */
  optionalText(key: string): string | undefined {
    const v = this.table[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') this.fail(key, 'a non-empty string', v);
    return v.trim();
  }

  /** Warns (MI_CFG_003) about each key not in `known`; Micro Integrator ignores them, and so do we. */
  unknownKeys(known: readonly string[] | ReadonlySet<string>, warnings: string[]): void {
    const has = (k: string): boolean => (Array.isArray(known) ? known.includes(k) : (known as ReadonlySet<string>).has(k));
    for (const k of Object.keys(this.table)) {
      if (!has(k)) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  unknown key [${this.where}] ${k} is ignored; known keys: ${[...known].join(', ')}`);
    }
  }
}
