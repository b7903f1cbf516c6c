/**
 * State that several runtime processes share (deployment.toml `[cache]` / `[throttle]` with type = "redis"):
 * the cache mediator's entries and the throttle mediator's counters. Declared here so that mediators reach
 * the stores through mc.runtime; src/store/redis-store.ts implements them.
 */

/** An atomic server-side script (Lua), run with its keys and arguments. */
export interface SharedScript {
  readonly name: string;
  readonly lua: string;
}

export interface SharedStore {
  /** Where the store is, for log lines (never with credentials). */
  readonly where: string;
  /** Prefix put before every key, so several runtimes (or uses) can share one server. */
  readonly keyPrefix: string;
  /** False while the store is known to be unreachable: callers fall back at once instead of waiting. */
  readonly reachable: boolean;
  getBuffer(key: string): Promise<Buffer | null>;
  /** Stores `value` under `key` for `ttlMs` milliseconds. */
  setBuffer(key: string, value: Buffer, ttlMs: number): Promise<void>;
  run(script: SharedScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

export interface SharedStores {
  /** `[cache] type = "redis"`; undefined: each cache mediator keeps its entries in this process's memory. */
  readonly cache: SharedStore | undefined;
  /** `[throttle] type = "redis"`; undefined: counters in this process's memory. */
  readonly throttle: SharedStore | undefined;
  /** `[throttle] fail_open`: let requests through (true) or refuse them (false) while the store is unreachable. */
  readonly throttleFailOpen: boolean;
  /** `[cache] max_entries`: entries one cache mediator keeps in memory when its `<implementation maxSize>` does not say. */
  readonly cacheMaxEntries: number;
  close(): Promise<void>;
}
