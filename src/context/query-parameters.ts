/**
 * `mc.inbound.query`: the request's query string as a read-only map, parsed on first use (a request whose
 * handlers never look pays one small object). Decoding is the form decoding Synapse applies to query
 * parameters: `+` is a space, `%XX` a UTF-8 byte, a malformed escape stays as written.
 */
import type { QueryParameters as PublicQueryParameters } from './handler-contract.js';

const NO_VALUES: readonly string[] = Object.freeze([]);

export class QueryParameters implements PublicQueryParameters {
  /** First value of each name, in order of first appearance. */
  #first: Map<string, string> | undefined;
  #all: Map<string, readonly string[]> | undefined;

  /** `raw`: the query string without `?`, as received. */
  constructor(private readonly raw: string) {}

  #parse(): Map<string, string> {
    if (this.#first) return this.#first;
    const first = new Map<string, string>();
    const all = new Map<string, string[]>();
    if (this.raw !== '') {
      for (const [k, v] of new URLSearchParams(this.raw)) {
        const values = all.get(k);
        if (values) values.push(v);
        else {
          all.set(k, [v]);
          first.set(k, v);
        }
      }
    }
    for (const values of all.values()) Object.freeze(values);
    this.#all = all;
    return (this.#first = first);
  }

  get size(): number {
    return this.#parse().size;
  }
  get(name: string): string | undefined {
    return this.#parse().get(name);
  }
  getAll(name: string): readonly string[] {
    this.#parse();
    return this.#all!.get(name) ?? NO_VALUES;
  }
  has(name: string): boolean {
    return this.#parse().has(name);
  }
  forEach(callback: (value: string, name: string, map: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.#parse()) callback.call(thisArg, v, k, this);
  }
  keys(): MapIterator<string> {
    return this.#parse().keys();
  }
  values(): MapIterator<string> {
    return this.#parse().values();
  }
  entries(): MapIterator<[string, string]> {
    return this.#parse().entries();
  }
  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.#parse().entries();
  }
  /** The query string as received (`mc.inbound.queryString`). */
  toString(): string {
    return this.raw;
  }
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.#parse());
  }
}
