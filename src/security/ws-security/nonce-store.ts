/**
 * Where used nonces are remembered until they expire, so a replayed UsernameToken is refused. Behind a
 * small interface so a store shared by several runtimes (src/store/redis-nonce-store.ts, `[ws_security.nonce_store]
 * type = "redis"`) can take the place of the in-memory one; such a store may answer asynchronously.
 *
 * The in-memory store is bounded. Entries leave only when they expire: evicting a live nonce to make room
 * would let its replay through. When it is full of live nonces (a flood of unique ones from authenticated
 * clients: only authenticated requests are recorded) a request is refused with `full` and a log line,
 * which keeps replays impossible at the price of availability until entries expire.
 */

/**
 * `new`: recorded now; `replay`: already recorded and not expired; `full`: could not be recorded;
 * `unavailable`: a shared store cannot be reached, so a replay cannot be ruled out (the request is refused).
 */
export type NonceVerdict = 'new' | 'replay' | 'full' | 'unavailable';

export interface NonceStore {
  /** Records `key` until `expiresAtMs` unless it is already there. */
  seen(key: string, expiresAtMs: number): NonceVerdict | Promise<NonceVerdict>;
  close?(): Promise<void>;
}

export class MemoryNonceStore implements NonceStore {
  private readonly entries = new Map<string, number>();
  /** Earliest expiry among the entries (a lower bound): no sweep can free anything before it. */
  private earliest = Infinity;
  private lastSweep = 0;

  constructor(
    readonly capacity = 100_000,
    /** Shortest time between two full sweeps, so a full store does not cost a scan per request. */
    private readonly sweepIntervalMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  seen(key: string, expiresAtMs: number): NonceVerdict {
    const now = this.now();
    const known = this.entries.get(key);
    if (known !== undefined) {
      if (known > now) return 'replay';
      this.entries.delete(key);
    }
    this.evictOldest(now);
    if (this.entries.size >= this.capacity) {
      this.sweep(now);
      if (this.entries.size >= this.capacity) return 'full';
    }
    this.entries.set(key, expiresAtMs);
    if (expiresAtMs < this.earliest) this.earliest = expiresAtMs;
    return 'new';
  }

  /** Insertion order is close to expiry order (one lifetime per policy): drop expired entries from the front. */
  private evictOldest(now: number): void {
    let n = 0;
    for (const [k, exp] of this.entries) {
      if (exp > now || ++n > 64) break;
      this.entries.delete(k);
    }
  }

  private sweep(now: number): void {
    if (now < this.earliest || now - this.lastSweep < this.sweepIntervalMs) return;
    this.lastSweep = now;
    let earliest = Infinity;
    for (const [k, exp] of this.entries) {
      if (exp <= now) this.entries.delete(k);
      else if (exp < earliest) earliest = exp;
    }
    this.earliest = earliest;
  }
}
