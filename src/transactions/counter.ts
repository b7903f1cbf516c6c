/**
 * Counts requests that enter a proxy service or an API (Micro Integrator's transaction counter). The
 * request path does one thing: `runtime.transactions.count++` (src/engine/dispatch.ts). A timer moves the
 * count into the hour it belongs to and adds it to the database every `update_interval`, and always at
 * the turn of an hour, so an interval never spans two hour rows. A write that fails keeps its counts in
 * memory and is retried at the next flush; stop() flushes what is left.
 */
import { Errors } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Database } from '../store/database.js';
import { hourKey, nextHour } from './hours.js';
import { addToHour, readHours, type HourCount } from './store.js';

export const TRANSACTION_LOGGER = 'org.wso2.micro.integrator.initializer.handler.transaction.TransactionCountHandler';

export class TransactionCounter {
  /** Requests since the last flush; the only thing the request path touches. */
  count = 0;
  /** Counts by hour that are not in the database yet (the last interval, or failed writes). */
  private readonly pending = new Map<string, number>();
  private intervalStart = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private database: Database | undefined;
  private failing = false;

  constructor(
    private readonly open: () => Promise<Database>,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.intervalStart = Date.now();
    this.schedule();
  }

  /** Moves the running count into its hour and writes every pending hour; one flush at a time. */
  flush(now = Date.now()): Promise<void> {
    this.flushing = this.flushing.then(() => this.write(now));
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Stored counts plus what is still in memory, by hour, from `from` to `to` (hour keys). */
  async hours(from: string, to: string): Promise<HourCount[]> {
    const db = await this.db();
    const merged = new Map<string, number>();
    for (const r of await readHours(db, from, to)) merged.set(r.hour, r.count);
    for (const [hour, n] of this.inMemory()) {
      if (hour >= from && hour <= to) merged.set(hour, (merged.get(hour) ?? 0) + n);
    }
    return [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([hour, count]) => ({ hour, count }));
  }

  private inMemory(): Map<string, number> {
    const m = new Map(this.pending);
    if (this.count > 0) {
      const h = hourKey(this.intervalStart);
      m.set(h, (m.get(h) ?? 0) + this.count);
    }
    return m;
  }

  private async db(): Promise<Database> {
    this.database ??= await this.open();
    return this.database;
  }

  private schedule(): void {
    const now = Date.now();
    // a few ms past the hour, so the flush lands in the new hour and closes the old one
    const delay = Math.min(this.intervalMs, nextHour(now) - now + 5);
    this.timer = setTimeout(() => {
      void this.flush().finally(() => {
        if (this.timer) this.schedule();
      });
    }, delay);
    this.timer.unref();
  }

  private async write(now: number): Promise<void> {
    const n = this.count;
    this.count = 0;
    if (n > 0) {
      const h = hourKey(this.intervalStart);
      this.pending.set(h, (this.pending.get(h) ?? 0) + n);
    }
    this.intervalStart = now;
    if (this.pending.size === 0) return;
    try {
      const db = await this.db();
      for (const [hour, count] of [...this.pending]) {
        await addToHour(db, hour, count);
        this.pending.delete(hour);
      }
      if (this.failing) this.log.info(`transaction counts are written to the database again`);
      this.failing = false;
    } catch (err) {
      // one line per outage, not one per interval
      if (!this.failing) {
        const held = [...this.pending.values()].reduce((a, b) => a + b, 0);
        this.log.error(`${Errors.MGT_TRANSACTIONS_STORE.code}  could not write transaction counts (${(err as Error).message}); ${held} counted requests are kept in memory and retried`);
      }
      this.failing = true;
    }
  }
}
