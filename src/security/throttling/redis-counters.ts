/**
 * Throttling counters in Redis (`[throttling] store = "redis"`), so that every node enforces one limit. One
 * Lua script per take, atomic on the server: it reads the server's clock (one clock for every node), finds
 * the window, and increments its counter only while it is under the limit, so two nodes can never both
 * admit the last request of a window. The counter expires a second after its window ends.
 *
 * While Redis cannot be reached (RedisStore fails at once once an outage is known, and logs it once with
 * MI_API_052), a take answers as `redis_down` says: admitted, or STORE_DOWN.
 */
import type { SharedScript } from '../../context/shared-stores.js';
import type { Logger } from '../../logging/logger.js';
import { RedisStore } from '../../store/redis-store.js';
import { STORE_DOWN, type ThrottleCounters } from './counters.js';
import type { ThrottlingStoreSettings } from './tiers.js';

/**
 * KEYS[1] the counter (a hash: `w` the window it counts, `c` its count); ARGV count, window ms. Returns 0
 * (admitted) or the end of the window (ms). One key per counter, named in KEYS: Redis Cluster can run it.
 */
export const FIXED_WINDOW_SCRIPT: SharedScript = {
  name: 'miGatewayThrottle',
  lua: `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local unit = tonumber(ARGV[2])
local w = math.floor(now / unit)
local resetAt = (w + 1) * unit
local v = redis.call('HMGET', KEYS[1], 'w', 'c')
local used = 0
if tonumber(v[1]) == w then used = tonumber(v[2]) or 0 end
if used >= tonumber(ARGV[1]) then return resetAt end
redis.call('HSET', KEYS[1], 'w', string.format('%d', w), 'c', used + 1)
if used == 0 then redis.call('PEXPIRE', KEYS[1], string.format('%d', resetAt - now + 1000)) end
return 0
`,
};

export class RedisCounters implements ThrottleCounters {
  private readonly store: RedisStore;

  constructor(
    private readonly settings: ThrottlingStoreSettings,
    logger: Logger,
  ) {
    this.store = new RedisStore(
      { url: settings.redisUrl, keyPrefix: settings.keyPrefix, timeoutMs: settings.timeoutMs },
      {
        logger,
        what: 'the throttling counters',
        code: 'MI_API_052',
        consequence:
          settings.redisDown === 'allow'
            ? 'calls are admitted without counting (redis_down = "allow")'
            : 'calls of throttled APIs are refused with fault 900801 (redis_down = "deny")',
      },
    );
  }

  take(key: string, count: number, windowMs: number): Promise<number> {
    return this.store.run(FIXED_WINDOW_SCRIPT, [key], [count, windowMs]).then(
      (r) => Number(r),
      () => (this.settings.redisDown === 'allow' ? 0 : STORE_DOWN),
    );
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
