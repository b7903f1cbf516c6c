/**
 * A metric family whose samples are computed when scraped, registered in a prom-client Registry so that
 * prom-client writes the text format (escaping, HELP/TYPE lines). prom-client's Registry needs only the
 * `name`, `help`, `type` and an async `get()`; its own metric classes keep their values in label-hashed
 * maps updated per call, which is what the request path must not pay for.
 */
import type { Metric, Registry } from 'prom-client';
import type { RequestStats } from './request-stats.js';

export type Labels = Readonly<Record<string, string>>;
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
  /** `<name>_bucket`, `_sum`, `_count` for histograms; the family name otherwise. */
  readonly metricName?: string;
}

export type FamilyType = 'counter' | 'gauge' | 'histogram';

export function registerFamily(registry: Registry, name: string, help: string, type: FamilyType, samples: () => Sample[]): void {
  const family = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }),
  };
  registry.registerMetric(family as unknown as Metric<string>);
}

/** The samples of one histogram series: cumulative `le` buckets, then `_sum` and `_count`. */
export function histogramSamples(name: string, labels: Labels, stats: RequestStats, out: Sample[]): void {
  let cumulative = 0;
  const b = stats.bounds;
  for (let i = 0; i < stats.counts.length; i++) {
    cumulative += stats.counts[i]!;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: i < b.length ? javaDouble(b[i]!) : '+Inf' }, value: cumulative });
  }
  out.push({ metricName: `${name}_sum`, labels, value: stats.sum });
  out.push({ metricName: `${name}_count`, labels, value: stats.count });
}

/**
 * A bucket bound as Micro Integrator's Prometheus client (Java) writes it, `1.0` not `1`: `le` is a label,
 * compared as text, so a dashboard written against Micro Integrator's series must find the same string.
 */
export function javaDouble(x: number): string {
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) {
    const [m, e] = x.toExponential().split('e') as [string, string];
    return `${m.includes('.') ? m : `${m}.0`}E${Number(e)}`;
  }
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}
