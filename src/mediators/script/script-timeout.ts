/**
 * How long one script may run for one message: `[mediation] script_timeout` in milliseconds (default
 * 10000). Micro Integrator has no such limit; here a script that never ends must not hold the event loop.
 */
import type { Config } from '../../config/config.js';

export const DEFAULT_SCRIPT_TIMEOUT_MS = 10_000;

const cache = new WeakMap<Config, number>();

export function scriptTimeoutMs(config: Config): number {
  let ms = cache.get(config);
  if (ms === undefined) {
    const mediation = config.toml['mediation'];
    const v = mediation && typeof mediation === 'object' ? (mediation as Record<string, unknown>)['script_timeout'] : undefined;
    ms = typeof v === 'number' && Number.isFinite(v) && v >= 1 ? Math.floor(v) : DEFAULT_SCRIPT_TIMEOUT_MS;
    cache.set(config, ms);
  }
  return ms;
}
