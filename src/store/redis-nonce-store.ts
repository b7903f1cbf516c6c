/**
 * The WS-Security nonce cache in Redis (`[ws_security.nonce_store] type = "redis"`), so that a
 * UsernameToken replayed to any node sharing the server is refused. One `SET key 1 NX PX ttl` per token:
 * atomic, so two nodes receiving the same nonce at once cannot both accept it, and Redis forgets it when
 * it expires. Keys are a SHA-256 of proxy, user and nonce (bounded length, nothing readable in Redis).
 *
 * Fail closed: while Redis cannot be reached every token with a nonce is refused (503 MI_OPS_022), since a
 * replay could not be ruled out. The outage is logged once when it starts and once when it ends.
 */
import { createHash } from 'node:crypto';
import { Errors } from '../errors.js';
import type { LoggerFactory } from '../logging/logger.js';
import { MemoryNonceStore, type NonceStore, type NonceVerdict } from '../security/ws-security/nonce-store.js';
import { RedisStore, type RedisSettings } from './redis-store.js';

export const NONCE_LOGGER = 'org.apache.rampart.RampartEngine';

export class RedisNonceStore implements NonceStore {
  private readonly redis: RedisStore;

  constructor(settings: RedisSettings, logs: LoggerFactory) {
    this.redis = new RedisStore(settings, {
      logger: logs.get(NONCE_LOGGER),
      what: 'the WS-Security nonce store',
      code: Errors.WSS_NONCE_STORE_UNAVAILABLE.code,
      consequence: 'UsernameTokens with a nonce are refused (503)',
    });
  }

  get where(): string {
    return this.redis.where;
  }

  async seen(key: string, expiresAtMs: number): Promise<NonceVerdict> {
    const hashed = createHash('sha256').update(key).digest('base64url');
    try {
      return (await this.redis.setIfAbsent(hashed, expiresAtMs - Date.now())) ? 'new' : 'replay';
    } catch {
      return 'unavailable'; // RedisStore has logged the outage
    }
  }

  close(): Promise<void> {
    return this.redis.close();
  }
}

/** The nonce store of the configuration: Redis when `[ws_security.nonce_store]` says so, else this process's memory. */
export function openNonceStore(settings: RedisSettings | undefined, logs: LoggerFactory): NonceStore {
  return settings ? new RedisNonceStore(settings, logs) : new MemoryNonceStore();
}
