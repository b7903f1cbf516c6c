/**
 * The counters behind throttling tiers: fixed windows aligned to the clock, as API Manager's Traffic
 * Manager counts (its Siddhi `throttler:timeBatch(<unit>, 0)` windows start at multiples of the unit since
 * the epoch, so a per-minute quota frees at the start of each minute and a per-day one at 00:00 UTC). A
 * window admits `count` requests; the next ones are refused until the window ends, and the answer says when
 * that is (Retry-After, the fault's nextAccessTime). Refused requests are not counted.
 *
 * take() answers 0 when the request is admitted, else the time (ms since the epoch) its window ends;
 * STORE_DOWN when the shared store cannot be asked and `redis_down = "deny"`. A number, not an object: one
 * call per level per request, and nothing to allocate.
 */

export const STORE_DOWN = -1;

export interface ThrottleCounters {
  take(key: string, count: number, windowMs: number): number | Promise<number>;
  close?(): Promise<void>;
}

interface Window {
  end: number;
  used: number;
}

/** Counters in this process: one node's limits. */
export class MemoryCounters implements ThrottleCounters {
  private readonly windows = new Map<string, Window>();
  /** Size at which ended windows are swept, doubled when a sweep frees little (many live keys). */
  private sweepAt = 4096;

  constructor(private readonly clock: () => number = Date.now) {}

  take(key: string, count: number, windowMs: number): number {
    const now = this.clock();
    let w = this.windows.get(key);
    if (w === undefined) {
      w = { end: 0, used: 0 };
      this.windows.set(key, w);
      if (this.windows.size > this.sweepAt) this.sweep(now);
    }
    if (w.end <= now) {
      w.end = (Math.floor(now / windowMs) + 1) * windowMs;
      w.used = 0;
    }
    if (w.used >= count) return w.end;
    w.used++;
    return 0;
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.end <= now) this.windows.delete(k);
    this.sweepAt = Math.max(4096, this.windows.size * 2);
  }
}
