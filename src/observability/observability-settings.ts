/**
 * The internal HTTP API (Micro Integrator's port 9191 + offset: `/healthz`, `/liveness` and, with metrics on,
 * `/metric-service/metrics`) and the Prometheus metrics, from deployment.toml:
 *
 *   [mediation] internal_http_api_port = 9191   # Micro Integrator's key; the offset is added
 *   [metrics] enable = true                     # this runtime's switch (on by default, see docs/probes-and-metrics.md)
 *   [metric_handler] proxy_latency_buckets = [0.19, 0.2, ...]   # Micro Integrator's keys, in seconds
 *                    api_latency_buckets = [...]
 */
import type { Config } from '../config/config.js';
import { Errors, MiError } from '../errors.js';
import { Section } from '../config/section.js';

export const BASE_INTERNAL_HTTP_PORT = 9191;

/** Micro Integrator's PrometheusReporter default buckets (seconds). */
export const MI_LATENCY_BUCKETS: readonly number[] = Object.freeze([0.19, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 1, 5]);

export interface ObservabilitySettings {
  /** 9191 (or `[mediation] internal_http_api_port`) + `[server] offset`. */
  readonly internalPort: number;
  readonly metrics: boolean;
  readonly proxyBuckets: readonly number[];
  readonly apiBuckets: readonly number[];
}

export function observabilitySettings(config: Config, warnings: string[] = []): ObservabilitySettings {
  const doc = config.toml;
  const m = Section.at(doc, 'metrics');
  m.unknownKeys(['enable'], warnings);
  const h = Section.at(doc, 'metric_handler');
  h.unknownKeys(['proxy_latency_buckets', 'api_latency_buckets'], warnings);
  const base = Section.at(doc, 'mediation').int('internal_http_api_port', BASE_INTERNAL_HTTP_PORT, 1);
  return {
    internalPort: base + config.server.offset,
    metrics: m.flag('enable', true),
    proxyBuckets: buckets(h, 'proxy_latency_buckets'),
    apiBuckets: buckets(h, 'api_latency_buckets'),
  };
}

/** Upper bounds in seconds: numbers > 0, strictly increasing (Prometheus refuses anything else). */
function buckets(s: Section, key: string): readonly number[] {
  const v = s.get(key);
  if (v === undefined) return MI_LATENCY_BUCKETS;
  const list = Array.isArray(v) ? v.map((x) => (typeof x === 'string' && x.trim() !== '' ? Number(x) : x)) : undefined;
  const ok = list && list.length > 0 && list.every((x, i) => typeof x === 'number' && Number.isFinite(x) && x > 0 && (i === 0 || x > (list[i - 1] as number)));
  if (!ok) throw new MiError(Errors.CONFIG_VALUE, `[${s.where}] ${key} must be a list of increasing numbers of seconds > 0, got ${JSON.stringify(v)}`);
  return Object.freeze(list as number[]);
}
