/**
 * What the soak prints and writes: the 10-second samples (TSV), the per-class table (TSV too), the
 * flatness of RSS and open descriptors (last quarter against the second quarter, so start-up growth and
 * warm-up do not count), and the verdict lines.
 */
import { writeFileSync } from 'node:fs';
import { median, percentile, type ClassTally } from './outcomes.js';

export interface Sample {
  tS: number;
  rssMb: number;
  fds: number;
  /** CPU of the runtime's process over the interval, % of one core. */
  cpuPct: number;
  requests: number;
  normalPerS: number;
  expected: number;
  interim: number;
  fault: number;
  unexpected: number;
  p50Ms: number;
  p99Ms: number;
  backendMode: string;
  slowlorisOpen: number;
  events: string;
}

export interface CheckLine {
  name: string;
  status: 'PASS' | 'FAIL' | 'PENDING' | 'n/a';
  detail: string;
}

const fmt = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : '-');

export function writeSamplesTsv(file: string, samples: Sample[]): void {
  const head = ['t_s', 'rss_mb', 'fds', 'cpu_pct', 'requests', 'normal_req_s', 'expected', 'interim', 'fault', 'unexpected', 'p50_ms', 'p99_ms', 'backend_mode', 'slowloris_open', 'events'];
  const rows = samples.map((s) =>
    [s.tS, fmt(s.rssMb, 1), s.fds, fmt(s.cpuPct), s.requests, fmt(s.normalPerS, 1), s.expected, s.interim, s.fault, s.unexpected, fmt(s.p50Ms, 1), fmt(s.p99Ms, 1), s.backendMode, s.slowlorisOpen, s.events || '-'].join('\t'),
  );
  writeFileSync(file, [head.join('\t'), ...rows].join('\n') + '\n');
}

export function writeClassesTsv(file: string, tallies: ClassTally[]): void {
  const head = ['class', 'kind', 'total', 'expected', 'interim', 'fault', 'unexpected', 'p50_ms', 'p99_ms', 'max_ms', 'labels'];
  const rows = tallies.map((t) =>
    [t.cls.name, t.cls.kind, t.total, t.byVerdict.expected, t.byVerdict.interim, t.byVerdict.fault, t.byVerdict.unexpected, fmt(percentile(t.latencies, 50), 1), fmt(percentile(t.latencies, 99), 1), t.maxMs, labelSummary(t)].join('\t'),
  );
  writeFileSync(file, [head.join('\t'), ...rows].join('\n') + '\n');
}

export function labelSummary(t: ClassTally): string {
  return [...t.labels.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([l, n]) => `${l}:${n}`)
    .join(' ');
}

export function printClassTable(tallies: ClassTally[]): void {
  const cols: [string, number][] = [
    ['class', 22],
    ['total', 8],
    ['expected', 9],
    ['interim', 8],
    ['fault', 7],
    ['unexpect', 9],
    ['p50 ms', 8],
    ['p99 ms', 8],
    ['max ms', 8],
  ];
  const header = cols.map(([n, w], i) => (i === 0 ? n.padEnd(w) : n.padStart(w))).join(' ') + '  answers';
  console.log(header);
  console.log('-'.repeat(header.length + 20));
  for (const t of tallies) {
    const normal = t.cls.kind === 'normal';
    const cells = [
      t.total,
      t.byVerdict.expected,
      t.byVerdict.interim,
      t.byVerdict.fault,
      t.byVerdict.unexpected,
      normal ? fmt(percentile(t.latencies, 50), 1) : '',
      normal ? fmt(percentile(t.latencies, 99), 1) : '',
      t.maxMs,
    ].map(String);
    console.log([t.cls.name.padEnd(cols[0]![1]), ...cells.map((c, i) => c.padStart(cols[i + 1]![1]))].join(' ') + `  ${labelSummary(t)}`);
  }
}

/**
 * Flat: the last quarter's median within what `allowed` says of the second quarter's (the first quarter is
 * start-up and warm-up). Needs at least 8 samples; `tooShort` gives the numbers without a verdict.
 */
export function flatness(name: string, values: number[], unit: string, allowed: (early: number, late: number) => boolean, rule: string, tooShort?: string): CheckLine {
  if (values.length < 8) return { name, status: 'n/a', detail: `${values.length} samples; a verdict needs 8 (DURATION >= 80 s)` };
  const q = Math.floor(values.length / 4);
  const early = median(values.slice(q, 2 * q));
  const late = median(values.slice(values.length - q));
  const ok = allowed(early, late);
  return {
    name,
    status: tooShort ? 'n/a' : ok ? 'PASS' : 'FAIL',
    detail: `median of the 2nd quarter ${fmt(early, 1)} ${unit}, of the last quarter ${fmt(late, 1)} ${unit} (${late >= early ? '+' : ''}${fmt(late - early, 1)}; ${rule}); min ${fmt(Math.min(...values), 1)}, max ${fmt(Math.max(...values), 1)}${tooShort ? `; ${tooShort}` : ''}`,
  };
}

export function printChecks(checks: CheckLine[]): void {
  for (const c of checks) console.log(`  ${c.status.padEnd(8)} ${c.name}: ${c.detail}`);
}
