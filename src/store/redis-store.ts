/**
 * A shared store on Redis (ioredis), for the cache and throttle mediators. Connects on first use and
 * reconnects on its own. Every command is bounded by `timeout` ms; while the server is known to be down a
 * command fails at once (the caller falls back: a cache miss, or the throttle's fail_open choice) instead
 * of making each request wait. An outage is logged once when it starts and once when it ends.
 */
import { Redis } from 'ioredis';
import type { SharedScript, SharedStore } from '../context/shared-stores.js';
import type { Logger } from '../logging/logger.js';

export interface RedisSettings {
  /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
  readonly url: string;
  readonly keyPrefix: string;
  /** Milliseconds one command (or the first connection) may take. */
  readonly timeoutMs: number;
}

/** What an outage means for the feature using the store, said once in the warning. */
export interface OutageReport {
  readonly logger: Logger;
  /** e.g. `the cache store` */
  readonly what: string;
  /** code and consequence, e.g. `MI_MED_063 ... cache mediators serve every request from the backend` */
  readonly code: string;
  readonly consequence: string;
}

/** host:port[/db] of a Redis URL, without credentials, for log lines. */
export function redisWhere(url: string): string {
  try {
    const u = new URL(url);
    const db = u.pathname && u.pathname !== '/' ? u.pathname : '';
    return `${u.hostname}:${u.port || '6379'}${db}`;
  } catch {
    return 'an unparsable Redis URL';
  }
}

export class RedisStore implements SharedStore {
  readonly where: string;
  readonly keyPrefix: string;
  private client: Redis | undefined;
  /** Set by a failed connection or command; cleared when the connection is ready again. */
  private down = false;
  private outageLogged = false;
  private closed = false;

  constructor(
    private readonly settings: RedisSettings,
    private readonly report: OutageReport,
  ) {
    this.where = redisWhere(settings.url);
    this.keyPrefix = settings.keyPrefix;
  }

  /** A failure while the connection is still up (a slow command) does not make the store unreachable. */
  get reachable(): boolean {
    return !this.down || this.client?.status === 'ready';
  }

  private connection(): Redis {
    if (this.client) return this.client;
    const t = this.settings.timeoutMs;
    const c = new Redis(this.settings.url, {
      lazyConnect: true,
      connectTimeout: t,
      commandTimeout: t,
      // a command queued while (re)connecting fails after one retry rather than twenty
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      enableReadyCheck: true,
    });
    c.on('error', (err: Error) => this.failed(err));
    c.on('ready', () => this.recovered());
    this.client = c;
    return c;
  }

  private failed(err: unknown): void {
    if (this.closed) return;
    this.down = true;
    if (this.outageLogged) return;
    this.outageLogged = true;
    const why = err instanceof Error ? err.message : String(err);
    this.report.logger.warn(`${this.report.code} ${this.report.what} (Redis at ${this.where}) is not reachable: ${why}; ${this.report.consequence} until it is back`);
  }

  private recovered(): void {
    this.down = false;
    if (!this.outageLogged) return;
    this.outageLogged = false;
    this.report.logger.info(`${this.report.what} (Redis at ${this.where}) is reachable again`);
  }

  /** Runs a command; a failure marks the outage (logged once) and rejects. */
  private async guard<T>(op: (c: Redis) => Promise<T>): Promise<T> {
    if (!this.reachable) throw new Error(`Redis at ${this.where} is not reachable`);
    try {
      const r = await op(this.connection());
      if (this.outageLogged) this.recovered();
      return r;
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  getBuffer(key: string): Promise<Buffer | null> {
    return this.guard((c) => c.getBuffer(this.keyPrefix + key));
  }

  async setBuffer(key: string, value: Buffer, ttlMs: number): Promise<void> {
    await this.guard((c) => c.set(this.keyPrefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  /** SET key NX PX ttl: true when the key was not there (and is now, for `ttlMs`), false when it was. */
  async setIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    const r = await this.guard((c) => c.set(this.keyPrefix + key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
    return r === 'OK';
  }

  run(script: SharedScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return this.guard((c) => {
      const named = c as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>;
      if (typeof named[script.name] !== 'function') c.defineCommand(script.name, { lua: script.lua });
      // defineCommand without numberOfKeys takes the key count as the first argument (EVALSHA, then EVAL)
      return named[script.name]!(keys.length, ...keys.map((k) => this.keyPrefix + k), ...args);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    try {
      await c.quit();
    } catch {
      c.disconnect();
    }
  }
}
