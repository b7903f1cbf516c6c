/**
 * One cell: wrk loads one target for DURATION seconds while the bench reads the CPU time of the target's
 * process tree from /proc; CPU µs per request = that time ÷ completed requests. Rows are kept for the
 * medians, printed as they come, and written as TSV at the end.
 */
import { writeFileSync } from 'node:fs';
import { clockTicks, cpuTimes, procSnapshot, selfTicksWithReaped, treeCpuTicks } from './proc.js';
import { median } from './judge.js';
import { S } from './settings.js';
import { HEADERS, PIN_CORE, POST_LUA, type Stack, type Sut } from './stack.js';
import { info } from './teardown.js';
import { runAb } from './ab.js';
import { errorSummary, runWrk } from './wrk.js';

export interface Row {
  group: string;
  repeat: number;
  scenario: string;
  /** The echo backend behind the target. */
  backend: string;
  size: number;
  conc: number;
  target: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
  /** Share of the machine's CPU used during the cell by processes this bench did not start (noise indicator). */
  otherPct: number;
  requests: number;
  /** Non-2xx answers plus socket errors. */
  failed: number;
  errors: string;
  broken?: string;
}

export const rows: Row[] = [];

export interface CellSpec {
  group: string;
  sut: Sut;
  scenario: string;
  backend: string;
  size: number;
  conc: number;
  repeat: number;
  body: string;
  authorization?: string;
  /** More request headers (wrk: post.lua's env EXTRA_HEADERS; ab: -H). */
  headers?: Record<string, string>;
  /** Load with ApacheBench instead of wrk (it can present a TLS client certificate: `clientCert`). */
  ab?: { clientCert?: string };
  durationS?: number;
  timeoutS?: number;
}

/** What a cell's load generator reports, whichever it is. */
interface Load {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  errors: string;
}

/** One run of the cell's client: wrk by default, ab when the cell asks for it. */
async function load(stack: Stack, c: Pick<CellSpec, 'sut' | 'body' | 'conc' | 'authorization' | 'headers' | 'ab' | 'timeoutS'>, durationS: number): Promise<Load> {
  const onSpawn = (child: import('node:child_process').ChildProcess) => stack.teardown.track(child);
  if (c.ab) {
    const headers = { ...HEADERS, ...c.headers, ...(c.authorization ? { Authorization: c.authorization } : {}) };
    return runAb({ url: c.sut.url, bodyFile: c.body, connections: c.conc, durationS, clientCert: c.ab.clientCert, core: PIN_CORE, headers, onSpawn });
  }
  const r = await runWrk({ url: c.sut.url, bodyFile: c.body, luaScript: POST_LUA, connections: c.conc, durationS, timeoutS: c.timeoutS, core: PIN_CORE, authorization: c.authorization, headers: c.headers, onSpawn });
  const se = r.socketErrors;
  return { requests: r.requests, rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, failed: r.non2xx + se.connect + se.read + se.write + se.timeout, errors: errorSummary(r) };
}

function oursTicks(stack: Stack, snap: ReturnType<typeof procSnapshot>): number {
  return stack.roots.reduce((a, pid) => a + treeCpuTicks(pid, snap), 0) + selfTicksWithReaped();
}

export async function measure(stack: Stack, c: CellSpec): Promise<Row> {
  const m0 = cpuTimes();
  const snap0 = procSnapshot();
  const t0 = treeCpuTicks(c.sut.pid, snap0);
  const ours0 = oursTicks(stack, snap0);
  const r = await load(stack, c, c.durationS ?? S.duration);
  const m1 = cpuTimes();
  const snap1 = procSnapshot();
  const dt = treeCpuTicks(c.sut.pid, snap1) - t0;
  const ours = oursTicks(stack, snap1) - ours0;
  const total = m1.total - m0.total;
  const busy = total - (m1.idle - m0.idle);
  const row: Row = {
    group: c.group,
    repeat: c.repeat,
    scenario: c.scenario,
    backend: c.backend,
    size: c.size,
    conc: c.conc,
    target: c.sut.target,
    rps: r.rps,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    cpuUsPerReq: r.requests > 0 ? (dt * 1e6) / clockTicks() / r.requests : NaN,
    otherPct: total > 0 ? Math.max(0, ((busy - ours) / total) * 100) : NaN,
    requests: r.requests,
    failed: r.failed,
    errors: r.errors,
  };
  rows.push(row);
  printRow(row);
  return row;
}

/**
 * Loads several targets at the same time, each with its own client, and returns each one's CPU µs per request
 * over the same window. This host's speed changes by up to 2x for tens of seconds, which can land on one
 * side of an interleaved pair of cells; loaded together, every target sees the same host. The targets take
 * turns on one core, so the figures are not a cell's (no row is kept): only ratios between them count.
 */
export async function measureTogether(stack: Stack, cells: readonly CellSpec[]): Promise<number[]> {
  const snap0 = procSnapshot();
  const before = cells.map((c) => treeCpuTicks(c.sut.pid, snap0));
  const loads = await Promise.all(cells.map((c) => load(stack, c, c.durationS ?? S.duration)));
  const snap1 = procSnapshot();
  return cells.map((c, i) => {
    const l = loads[i]!;
    // a window with failed requests prices failures, not answers: no figure
    return l.requests > 0 && l.failed === 0 ? ((treeCpuTicks(c.sut.pid, snap1) - before[i]!) * 1e6) / clockTicks() / l.requests : NaN;
  });
}

/** A runtime scenario that failed its sanity check: a row without numbers. */
export function brokenRow(c: Omit<CellSpec, 'sut' | 'body'> & { target: string }, why: string): Row {
  const row: Row = { group: c.group, repeat: c.repeat, scenario: c.scenario, backend: c.backend, size: c.size, conc: c.conc, target: c.target, rps: NaN, p50Ms: NaN, p99Ms: NaN, cpuUsPerReq: NaN, otherPct: NaN, requests: 0, failed: NaN, errors: '', broken: why };
  rows.push(row);
  printRow(row);
  return row;
}

export async function warmup(stack: Stack, sut: Sut, label: string, body: string, conc: number, extra: Pick<CellSpec, 'authorization' | 'headers' | 'ab'> = {}): Promise<void> {
  if (S.warmup <= 0) return;
  info(`warm-up ${label} ${S.warmup} s${extra.ab ? ' (ab)' : ''}`);
  await load(stack, { sut, body, conc, ...extra }, S.warmup);
}

/** Median over the repeats of one cell. */
export function cellMedian(q: { group?: string; scenario: string; target: string; size: number; conc: number; backend?: string }, field: 'cpuUsPerReq' | 'rps' | 'p99Ms'): number {
  return median(
    rows
      .filter((r) => !r.broken && (q.group === undefined || r.group === q.group) && r.scenario === q.scenario && r.target === q.target && r.size === q.size && r.conc === q.conc && (q.backend === undefined || r.backend === q.backend))
      .map((r) => r[field]),
  );
}

const COLS: [string, number][] = [
  ['group', 8],
  ['scenario', 24],
  ['backend', 7],
  ['size', 7],
  ['conc', 5],
  ['target', 8],
  ['req/s', 10],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['CPU us/req', 11],
  ['other%', 7],
  ['errors', 0],
];
const TEXT_COLS = 6;
export const fmt = (n: number, d: number) => (Number.isFinite(n) ? n.toFixed(d) : '-');

export function printHeader(): void {
  const h = COLS.map(([n, w], i) => (i < TEXT_COLS ? n.padEnd(w) : n.padStart(w))).join(' ');
  console.log(h);
  console.log('-'.repeat(h.length + 10));
}

function printRow(r: Row): void {
  const cells = [r.group, r.scenario, r.backend, String(r.size), String(r.conc), r.target];
  const nums = r.broken ? ['-', '-', '-', '-', '-'] : [fmt(r.rps, 0), fmt(r.p50Ms, 2), fmt(r.p99Ms, 2), fmt(r.cpuUsPerReq, 1), fmt(r.otherPct, 0)];
  const line = [...cells.map((c, i) => c.padEnd(COLS[i]![1])), ...nums.map((c, i) => c.padStart(COLS[i + TEXT_COLS]![1]))].join(' ');
  console.log(`${line} ${r.broken ? `BROKEN: ${r.broken}` : r.errors || '0'}`);
}

export function writeTsv(file: string): void {
  const head = ['group', 'repeat', 'scenario', 'backend', 'size', 'conc', 'target', 'rps', 'p50_ms', 'p99_ms', 'sut_cpu_us_req', 'other_cpu_pct', 'requests', 'errors'];
  const lines = rows.map((r) =>
    [r.group, r.repeat, r.scenario, r.backend, r.size, r.conc, r.target, fmt(r.rps, 2), fmt(r.p50Ms, 3), fmt(r.p99Ms, 3), fmt(r.cpuUsPerReq, 1), fmt(r.otherPct, 1), r.requests, r.broken ? `BROKEN: ${r.broken}` : r.errors].join('\t').replace(/\n/g, ' '),
  );
  writeFileSync(file, [head.join('\t'), ...lines].join('\n') + '\n');
}
