/**
 * The Redis server tests run against (127.0.0.1:6379), with the skip/REQUIRE_SERVICES pattern of
 * databases.ts: a suite calls needRedis() in its before hook; when Redis is absent the suite is skipped with
 * a message, unless REQUIRE_SERVICES=1, which turns that into a failure. Each run uses its own key prefix.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_URL = 'redis://127.0.0.1:6379';

let probe: Promise<string | undefined> | undefined;

/** Undefined when Redis answers PING, else why not. Probed once per process. */
export function redisProblem(): Promise<string | undefined> {
  probe ??= (async () => {
    const c = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.ping();
      return undefined;
    } catch (err) {
      return (err as Error).message || String(err);
    } finally {
      c.disconnect();
    }
  })();
  return probe;
}

export async function needRedis(ctx: Mocha.Context): Promise<void> {
  const problem = await redisProblem();
  if (!problem) return;
  if (process.env['REQUIRE_SERVICES'] === '1') throw new Error(`Redis on 127.0.0.1:6379 is required (REQUIRE_SERVICES=1) but not reachable: ${problem}`);
  console.log(`      (skipped: Redis on 127.0.0.1:6379 is not reachable: ${problem}; set REQUIRE_SERVICES=1 to make this a failure)`);
  ctx.skip();
}

/** A key prefix no other run uses. */
export function freshPrefix(): string {
  return `mi_test_${randomBytes(5).toString('hex')}:`;
}

/** A loopback port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Deletes the keys of a prefix (the test's own connection). */
export async function dropPrefix(prefix: string): Promise<void> {
  const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const keys = await c.keys(`${prefix}*`);
    if (keys.length) await c.del(...keys);
  } finally {
    c.disconnect();
  }
}
