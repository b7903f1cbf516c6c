/**
 * How `npm run bench` judges what it measured: one summary row per check (scenario, measured, target,
 * PASS/FAIL/SKIP/INFO). Pure functions over numbers the groups measured, so the rules can be tested
 * without timing anything (test/bench/bench-judgement.test.ts).
 */

export type Verdict = 'PASS' | 'FAIL' | 'SKIP' | 'INFO';

export interface Check {
  group: string;
  scenario: string;
  measured: string;
  target: string;
  verdict: Verdict;
  /** Why a check was skipped or failed without a number (a broken scenario, an install that failed). */
  note?: string;
}

/** Median of the finite values (NaN when there is none): repeats are summarised by their median. */
export function median(xs: readonly number[]): number {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

const num = (n: number, d: number) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

/** A missing measurement (the scenario broke, nothing completed) fails its check, saying why. */
function missing(group: string, scenario: string, target: string, why: string | undefined): Check {
  return { group, scenario, measured: 'n/a', target, verdict: 'FAIL', note: why ?? 'no measurement' };
}

/** `num / den <= max` (CPU per request against a baseline): lower is better. */
export function ratioAtMost(group: string, scenario: string, numerator: number, denominator: number, max: number, why?: string): Check {
  const q = numerator / denominator;
  const target = `<= ${max.toFixed(2)}x`;
  if (!Number.isFinite(q) || q <= 0) return missing(group, scenario, target, why);
  return { group, scenario, measured: `${num(q, 2)}x (${num(numerator, 1)} / ${num(denominator, 1)})`, target, verdict: q <= max ? 'PASS' : 'FAIL' };
}

/** `num / den >= min` (throughput against a comparison): higher is better. */
export function ratioAtLeast(group: string, scenario: string, numerator: number, denominator: number, min: number, why?: string): Check {
  const q = numerator / denominator;
  const target = `>= ${min.toFixed(2)}x`;
  if (!Number.isFinite(q) || q <= 0) return missing(group, scenario, target, why);
  return { group, scenario, measured: `${num(q, 2)}x (${num(numerator, 0)} / ${num(denominator, 0)})`, target, verdict: q >= min ? 'PASS' : 'FAIL' };
}

/** A value with an upper bound (seconds to start, MB of RSS, ms to redeploy). */
export function atMost(group: string, scenario: string, value: number, max: number, unit: string, digits = 0, why?: string): Check {
  const target = `<= ${max} ${unit}`;
  if (!Number.isFinite(value)) return missing(group, scenario, target, why);
  return { group, scenario, measured: `${num(value, digits)} ${unit}`, target, verdict: value <= max ? 'PASS' : 'FAIL' };
}

/** Nothing may fail: `failed` of `total` requests (non-2xx answers and socket errors). */
export function noFailures(group: string, scenario: string, failed: number, total: number, why?: string): Check {
  const target = '0 failed';
  if (!Number.isFinite(failed) || !(total > 0)) return missing(group, scenario, target, why);
  return { group, scenario, measured: `${failed} of ${total} failed`, target, verdict: failed === 0 ? 'PASS' : 'FAIL' };
}

/**
 * RSS flat while bodies pass through: the growth from `before` to `after` (bytes) stays within `maxGrowthMb`.
 * A pass-through that buffered or kept bodies would grow with the traffic, not settle.
 */
export function rssFlat(group: string, scenario: string, before: number, after: number, maxGrowthMb: number, why?: string): Check {
  const target = `growth <= ${maxGrowthMb} MB`;
  if (!Number.isFinite(before) || !Number.isFinite(after)) return missing(group, scenario, target, why);
  const growth = (after - before) / 1048576;
  return {
    group,
    scenario,
    measured: `${num(before / 1048576, 0)} -> ${num(after / 1048576, 0)} MB (${growth >= 0 ? '+' : ''}${num(growth, 1)})`,
    target,
    verdict: growth <= maxGrowthMb ? 'PASS' : 'FAIL',
  };
}

/** Reported, not judged (p99 beside Micro Integrator's published figure, memory per idle connection). */
export function info(group: string, scenario: string, measured: string, reference = ''): Check {
  return { group, scenario, measured, target: reference, verdict: 'INFO' };
}

/** A check that could not run here (a tool missing, an install that failed), with the reason. */
export function skip(group: string, scenario: string, target: string, reason: string): Check {
  return { group, scenario, measured: '-', target, verdict: 'SKIP', note: reason };
}

/** The final table: one line per check, notes after it. */
export function summaryTable(checks: readonly Check[]): string {
  const head = ['group', 'scenario', 'measured', 'target', 'result'];
  const cells = checks.map((c) => [c.group, c.scenario, c.measured, c.target, c.verdict]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const c of checks) {
    out.push(line([c.group, c.scenario, c.measured, c.target, c.verdict]));
    if (c.note) out.push(`${' '.repeat(widths[0]! + 2)}  ${c.verdict === 'SKIP' ? 'skipped' : 'why'}: ${c.note.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
  const count = (v: Verdict) => checks.filter((c) => c.verdict === v).length;
  out.push('', `${count('PASS')} PASS, ${count('FAIL')} FAIL, ${count('SKIP')} SKIP, ${count('INFO')} INFO`);
  return out.join('\n');
}

/**
 * Exit status: 1 when a runtime scenario broke (its check could not even measure), or, with STRICT=1, when
 * any check failed. Without STRICT a slow machine does not fail the run: the table says what was over.
 */
export function exitCode(checks: readonly Check[], broken: number, strict: boolean): number {
  if (broken > 0) return 1;
  if (strict && checks.some((c) => c.verdict === 'FAIL')) return 1;
  return 0;
}
