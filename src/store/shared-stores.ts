/**
 * deployment.toml `[cache]` and `[throttle]`: where the cache mediator's entries and the throttle mediator's
 * counters live. `type = "memory"` (the default) keeps them in this process; `type = "redis"` puts them in
 * Redis so that several runtime processes share one cache and one limit.
 *
 *   [cache]                                   [throttle]
 *   type = "redis"                            type = "redis"
 *   redis_url = "redis://127.0.0.1:6379/0"    redis_url = "redis://127.0.0.1:6379/0"
 *   key_prefix = "mi:cache:"                  key_prefix = "mi:throttle:"
 *   timeout = 1000                            timeout = 1000
 *   max_entries = 10000                       fail_open = false
 *
 * `[ws_security.nonce_store]` takes the same type / redis_url / key_prefix / timeout keys for the
 * WS-Security nonce cache (src/store/redis-nonce-store.ts); it always fails closed.
 */
import type { Config } from '../config/config.js';
import { Section } from '../config/section.js';
import { Errors, MiError } from '../errors.js';
import type { SharedStores } from '../context/shared-stores.js';
import type { LoggerFactory } from '../logging/logger.js';
import { RedisStore, type RedisSettings } from './redis-store.js';

const CACHE_KEYS = ['type', 'redis_url', 'key_prefix', 'timeout', 'max_entries'];
const THROTTLE_KEYS = ['type', 'redis_url', 'key_prefix', 'timeout', 'fail_open'];
const NONCE_KEYS = ['type', 'redis_url', 'key_prefix', 'timeout'];

export const CACHE_LOGGER = 'org.wso2.carbon.mediator.cache.CacheMediator';
export const THROTTLE_LOGGER = 'org.apache.synapse.mediators.throttle.ThrottleMediator';

/** Entries one cache mediator keeps in memory when its `<implementation maxSize>` does not say. */
export const DEFAULT_MAX_ENTRIES = 10_000;

export interface SharedStoreSettings {
  readonly cache: RedisSettings | undefined;
  readonly cacheMaxEntries: number;
  readonly throttle: RedisSettings | undefined;
  readonly throttleFailOpen: boolean;
  /** `[ws_security.nonce_store] type = "redis"`; undefined: nonces in this process's memory. */
  readonly nonces: RedisSettings | undefined;
}

function redisSettings(s: Section, prefix: string): RedisSettings | undefined {
  const type = s.text('type', 'memory');
  if (type !== 'memory' && type !== 'redis') s.fail('type', '"memory" or "redis"', type);
  if (type === 'memory') {
    for (const k of ['redis_url', 'key_prefix', 'timeout']) {
      if (s.get(k) !== undefined) throw new MiError(Errors.CONFIG_VALUE, `[${s.where}] ${k} needs type = "redis"`);
    }
    return undefined;
  }
  const url = s.text('redis_url', 'redis://127.0.0.1:6379');
  if (!/^rediss?:\/\/[^/]/.test(url)) s.fail('redis_url', 'a redis:// or rediss:// URL', url.replace(/\/\/[^@/]*@/, '//***@'));
  return { url, keyPrefix: s.text('key_prefix', prefix), timeoutMs: s.int('timeout', 1000, 1) };
}

/** Reads and checks the three sections (a wrong value stops the start with MI_CFG_002; unknown keys warn). */
export function sharedStoreSettings(config: Config, warnings: string[] = config.warnings): SharedStoreSettings {
  const cache = Section.at(config.toml, 'cache');
  const throttle = Section.at(config.toml, 'throttle');
  cache.unknownKeys(CACHE_KEYS, warnings);
  throttle.unknownKeys(THROTTLE_KEYS, warnings);
  const cacheRedis = redisSettings(cache, 'mi:cache:');
  const throttleRedis = redisSettings(throttle, 'mi:throttle:');
  const failOpen = throttle.flag('fail_open', false);
  if (!throttleRedis && throttle.get('fail_open') !== undefined) throw new MiError(Errors.CONFIG_VALUE, '[throttle] fail_open needs type = "redis"');
  const wss = Section.at(config.toml, 'ws_security');
  wss.unknownKeys(['nonce_store'], warnings);
  const nonceStore = wss.child('nonce_store');
  nonceStore.unknownKeys(NONCE_KEYS, warnings);
  const nonces = redisSettings(nonceStore, 'mi:nonce:');
  return { cache: cacheRedis, cacheMaxEntries: cache.int('max_entries', DEFAULT_MAX_ENTRIES, 1), throttle: throttleRedis, throttleFailOpen: failOpen, nonces };
}

/** The stores of the configuration; Redis connections are opened on first use. */
export function openSharedStores(settings: SharedStoreSettings, logs: LoggerFactory): SharedStores {
  const cache = settings.cache
    ? new RedisStore(settings.cache, {
        logger: logs.get(CACHE_LOGGER),
        what: 'the cache store',
        code: 'MI_MED_063',
        consequence: 'cache mediators answer every request from the backend and store nothing',
      })
    : undefined;
  const throttle = settings.throttle
    ? new RedisStore(settings.throttle, {
        logger: logs.get(THROTTLE_LOGGER),
        what: 'the throttle store',
        code: 'MI_MED_064',
        consequence: settings.throttleFailOpen
          ? 'throttle mediators let every request through (fail_open = true)'
          : 'throttle mediators refuse every request (fail_open = false)',
      })
    : undefined;
  return {
    cache,
    throttle,
    throttleFailOpen: settings.throttleFailOpen,
    cacheMaxEntries: settings.cacheMaxEntries,
    async close() {
      await Promise.all([cache?.close(), throttle?.close()]);
    },
  };
}
