/**
 * "Stays linear" without absolute times: the same work on an input of size n and 10n must grow by well
 * under the 100x a quadratic step would give. Linear is 10x, up to 20x measured once the input outgrows the
 * caches and the young generation; the factor of 40 leaves room for that. Each is timed as the best of a
 * few runs in CPU time, not wall time: on a loaded machine a long run is preempted more often than a short
 * one, which would make linear work look quadratic.
 */
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';

const RUNS = 3;

// a full collection before each run, so no run pays for the garbage of the one before
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function best(run: () => void): number {
  let min = Infinity;
  for (let i = 0; i < RUNS; i++) {
    collect();
    const t = cpuMs();
    run();
    min = Math.min(min, cpuMs() - t);
  }
  return min;
}

/**
 * The CPU time of `work` on make(10n) must stay below factor x its time on make(n). Errors `work` throws
 * are ignored here (the property tests check which may come). LINEAR_TIME_REPORT=1 prints both times.
 */
export function assertLinear(label: string, make: (n: number) => string, n: number, work: (input: string) => void, factor = 40): { small: number; large: number } {
  const run = (input: string) => () => {
    try {
      work(input);
    } catch {
      // an error is an answer too; the property tests check which errors may come
    }
  };
  const small = make(n);
  const large = make(10 * n);
  run(small)(); // warm up the code paths
  const ts = best(run(small));
  const tl = best(run(large));
  // below 5 ms CPU the clock, the JIT and whether a collection happened at all dominate: count the small
  // input as at least that
  const base = Math.max(ts, 5);
  if (process.env['LINEAR_TIME_REPORT']) process.stdout.write(`      [${label}: ${ts.toFixed(1)} -> ${tl.toFixed(1)} ms CPU]\n`);
  assert.ok(tl < factor * base, `${label}: ${(large.length / 1024).toFixed(0)} KiB took ${tl.toFixed(1)} ms CPU, ${(tl / base).toFixed(1)}x the ${(small.length / 1024).toFixed(0)} KiB input (${ts.toFixed(1)} ms); linear is about 10x`);
  return { small: ts, large: tl };
}
