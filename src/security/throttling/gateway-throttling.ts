/**
 * What throttling needs at run time, built once from deployment.toml and held by the runtime: the tiers
 * (for the tier a client certificate carries, known only per request) and the counters, in this process or
 * in Redis. Nothing connects at start: Redis is reached with the first counted call.
 */
import type { Config } from '../../config/config.js';
import type { LoggerFactory, Logger } from '../../logging/logger.js';
import { MemoryCounters, type ThrottleCounters } from './counters.js';
import { RedisCounters } from './redis-counters.js';
import { readThrottlingSettings, type ThrottlingSettings, type Tier, type TierCatalog } from './tiers.js';

export const THROTTLE_LOGGER = 'org.wso2.carbon.apimgt.gateway.handlers.throttling.ThrottleHandler';

export class GatewayThrottling {
  private readonly unknownTiers = new Set<string>();

  constructor(
    readonly tiers: TierCatalog,
    readonly counters: ThrottleCounters,
    private readonly log: Logger,
  ) {}

  static fromSettings(settings: ThrottlingSettings, logs: LoggerFactory): GatewayThrottling {
    const log = logs.get(THROTTLE_LOGGER);
    const counters = settings.store.type === 'redis' ? new RedisCounters(settings.store, log) : new MemoryCounters();
    return new GatewayThrottling(settings.tiers, counters, log);
  }

  /** Reads `[throttling]`; throws MI_API_050 for a mistake, adds warnings for unknown keys. */
  static fromConfig(config: Config, warnings: string[], logs: LoggerFactory): GatewayThrottling {
    return GatewayThrottling.fromSettings(readThrottlingSettings(config.toml, warnings), logs);
  }

  /** The tier a client certificate names; an unknown one is logged once per name (MI_API_053). */
  certificateTier(name: string): Tier | undefined {
    const t = this.tiers.get(name);
    if (t === undefined && !this.unknownTiers.has(name)) {
      this.unknownTiers.add(name);
      this.log.warn(`MI_API_053 a client certificate carries the throttling tier '${name}', which is neither built in nor a [[throttling.tier]]; its calls are counted under the API's subscription_tier, if any`);
    }
    return t;
  }

  async close(): Promise<void> {
    await this.counters.close?.();
  }
}
