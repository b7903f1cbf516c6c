/**
 * Where one cache mediator's entries live: in this process (a bounded LRU map, entries expiring after the
 * mediator's timeout), or in the shared store of `[cache] type = "redis"` under `key_prefix` + the
 * mediator's id + the request hash. A shared store that cannot be reached reads as a miss and stores
 * nothing; the store logs the outage once.
 */
import type { SharedStore } from '../../context/shared-stores.js';
import { decodeEntry, encodeEntry, type CachedResponse } from './cached-response.js';

export interface EntryStore {
  get(key: string): CachedResponse | undefined | Promise<CachedResponse | undefined>;
  set(key: string, entry: CachedResponse, ttlMs: number): void | Promise<void>;
}

export class MemoryEntryStore implements EntryStore {
  private readonly entries = new Map<string, { entry: CachedResponse; expires: number }>();
  constructor(private readonly maxEntries: number) {}

  get(key: string): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    // least recently used goes first: a hit moves the entry to the end
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.entry;
  }

  set(key: string, entry: CachedResponse, ttlMs: number): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { entry, expires: Date.now() + ttlMs });
  }
}

export class SharedEntryStore implements EntryStore {
  constructor(private readonly store: SharedStore) {}

  get(key: string): Promise<CachedResponse | undefined> | undefined {
    if (!this.store.reachable) return undefined;
    return this.store.getBuffer(key).then(
      (b) => (b ? decodeEntry(b) : undefined),
      () => undefined,
    );
  }

  set(key: string, entry: CachedResponse, ttlMs: number): Promise<void> | undefined {
    if (!this.store.reachable) return undefined;
    return this.store.setBuffer(key, encodeEntry(entry), ttlMs).catch(() => undefined);
  }
}
