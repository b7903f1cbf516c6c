/**
 * JSON numbers kept as their text, as Micro Integrator keeps them (it streams the JSON bytes and converts
 * numbers with BigDecimal): an integer past 2^53, `1.50` or `1e5` would change if read into a JS number.
 * A number whose text a JS number prints back unchanged (`42`, `0.5`) stays a plain number, so ordinary
 * payloads are read by V8's JSON.parse at full speed; only the others become a JsonNumber, read with
 * lossless-json. Writing goes through V8's JSON.stringify too, the JsonNumbers written as their text.
 */
import { randomBytes } from 'node:crypto';
import { parse as losslessParse } from 'lossless-json';

/** The mark a JsonNumber writes for itself inside stringifyJson: unguessable, so no client string can pose as one. */
const MARK = `JN#${randomBytes(9).toString('hex')}#`;
const MARKED = new RegExp(`"${MARK}(-?[0-9][0-9.eE+-]*)"`, 'g');
let exactWriting = 0;
let marksWritten = 0;

/**
 * A JSON number kept as its text. `valueOf()` gives a JS number (so comparisons and JSONPath filters work),
 * `toString()` and `value` the exact text. JSON.stringify() of it outside the runtime writes the JS number.
 */
export class JsonNumber {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  /** The number's text as it was received. */
  get value(): string {
    return this.#text;
  }
  toString(): string {
    return this.#text;
  }
  valueOf(): number {
    return Number(this.#text);
  }
  toJSON(): unknown {
    if (exactWriting > 0) {
      marksWritten++;
      return MARK + this.#text;
    }
    return Number(this.#text);
  }
  /** lossless-json's isLosslessNumber() recognizes it. */
  get [Symbol.for('lossless-json.LosslessNumber')](): true {
    return true;
  }
}

export function isJsonNumber(v: unknown): v is JsonNumber {
  return v instanceof JsonNumber;
}

/** True when a JS number would print this number text differently (2^53+, 1.50, 1e5, -0). */
export function numberTextIsInexact(t: string): boolean {
  return String(Number(t)) !== t;
}

function exactNumber(t: string): number | JsonNumber {
  const n = Number(t);
  return String(n) === t ? n : new JsonNumber(t);
}

/** A number token that a JS number might not print back as received: worth the lossless reader. */
const MAYBE_INEXACT = /[0-9][.eE]|[0-9]{16}|-0/;

/**
 * Parses JSON text keeping every number's text. `inexact` says whether the text holds a number a JS number
 * cannot print back (the budget pre-scan knows); without it a quick look decides. Duplicate keys keep the
 * last value, as JSON.parse does. Throws SyntaxError for text that is not JSON.
 */
export function parseJson(text: string, inexact?: boolean): unknown {
  try {
    return parseStrict(text, inexact);
  } catch (err) {
    // Micro Integrator's JSON scanner takes control characters inside strings as they are; JSON.parse does not
    if (!RAW_CONTROL.test(text)) throw err;
    return parseStrict(text.replace(STRING_LITERAL, (lit) => lit.replace(RAW_CONTROL_G, escapeControl)), inexact);
  }
}

function parseStrict(text: string, inexact: boolean | undefined): unknown {
  if (inexact === false || (inexact === undefined && !MAYBE_INEXACT.test(text))) return JSON.parse(text);
  return losslessParse(text, null, { parseNumber: exactNumber, onDuplicateKey: (d) => d.newValue });
}

const RAW_CONTROL = /[\u0000-\u001F]/;
const RAW_CONTROL_G = /[\u0000-\u001F]/g;
const STRING_LITERAL = /"(?:[^"\\]|\\[\s\S])*"/g;
function escapeControl(c: string): string {
  return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
}

/** JSON text of a value, JsonNumbers written as their exact text. Undefined gives ''. */
export function stringifyJson(v: unknown, space?: number): string {
  const before = marksWritten;
  exactWriting++;
  let s: string | undefined;
  try {
    s = JSON.stringify(v, null, space);
  } finally {
    exactWriting--;
  }
  if (s === undefined) return '';
  return marksWritten === before ? s : s.replace(MARKED, '$1');
}

/** A deep copy of a JSON value (structuredClone would turn a JsonNumber into a plain object). */
export function cloneJson<T>(v: T): T {
  if (v === null || typeof v !== 'object' || v instanceof JsonNumber) return v;
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = Object.getPrototypeOf(src) === null ? Object.create(null) : {};
  for (const k of Object.keys(src)) {
    // an own "__proto__" key stays a key, never a prototype change
    if (k === '__proto__') Object.defineProperty(out, k, { value: cloneJson(src[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = cloneJson(src[k]);
  }
  return out as T;
}

/** True for a JSON object (not an array, not a JsonNumber). */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);
}
