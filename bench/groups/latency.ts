/**
 * latency: DirectProxy (1 KB) at 200 and 1000 connections, p99 reported beside Micro Integrator 4.5.0's
 * published p99 for the same scenario, size and users; no request may fail. The undici pass-through runs
 * beside it for the same machine's floor.
 */
import { cellMedian, rows } from '../cells.js';
import { interleave } from '../interleave.js';
import { info, noFailures, type Check } from '../judge.js';
import { mainRuntime, runtimeUrl } from '../requests.js';
import { S } from '../settings.js';
import { bodyFile, type Stack } from '../stack.js';

/**
 * WSO2 Micro Integrator 4.5.0, Direct Proxy, 1000 B, 0 ms backend delay, c5.large (2 vCPU), JMeter on its own
 * host: concurrent users -> p99 ms (req/s). wso2/micro-integrator, performance/benchmarks/summary.md (4.5.0).
 */
export const MI_450_DIRECT_PROXY_1KB: Record<number, { p99Ms: number; rps: number }> = {
  100: { p99Ms: 28, rps: 9292 },
  200: { p99Ms: 55, rps: 9160 },
  500: { p99Ms: 157, rps: 8503 },
  1000: { p99Ms: 273, rps: 8278 },
};
const SIZE = 1000;
/** JMeter waits for its answer; wrk's default 2 s timeout would count a slow answer as failed. */
const TIMEOUT_S = 10;

export async function latencyGroup(stack: Stack, checks: Check[]): Promise<void> {
  const main = await mainRuntime(stack);
  const undici = await stack.undici('nginx');
  const dp = { target: 'runtime', url: runtimeUrl(main, 'DirectProxy'), pid: main.child.pid! };
  await interleave(stack, { group: 'latency', sizes: [SIZE], concs: S.latencyConc, timeoutS: TIMEOUT_S, durationS: S.latencyDuration }, [
    { scenario: 'passthrough', sut: undici, backend: 'nginx', body: bodyFile },
    { scenario: 'DirectProxy', sut: dp, backend: 'nginx', body: bodyFile, runtime: main.child },
  ]);
  for (const conc of S.latencyConc) {
    const q = { group: 'latency', size: SIZE, conc, backend: 'nginx' };
    const p99 = cellMedian({ ...q, scenario: 'DirectProxy', target: 'runtime' }, 'p99Ms');
    const rps = cellMedian({ ...q, scenario: 'DirectProxy', target: 'runtime' }, 'rps');
    const baseP99 = cellMedian({ ...q, scenario: 'passthrough', target: 'undici' }, 'p99Ms');
    const mi = MI_450_DIRECT_PROXY_1KB[conc];
    const ref = mi ? `MI 4.5.0: p99 ${mi.p99Ms} ms, ${mi.rps} req/s` : 'MI 4.5.0: not published';
    checks.push(info('latency', `DirectProxy p99, 1 KB, ${conc} connections`, `${p99.toFixed(1)} ms at ${rps.toFixed(0)} req/s (undici ${baseP99.toFixed(1)} ms)`, ref));
    // every request of every repeat counts
    const mine = rows.filter((r) => r.group === 'latency' && r.conc === conc && r.scenario === 'DirectProxy' && !r.broken);
    const failed = mine.reduce((a, r) => a + r.failed, 0);
    const total = mine.reduce((a, r) => a + r.requests, 0);
    checks.push(noFailures('latency', `DirectProxy, ${conc} connections: failed requests`, failed, total));
  }
}
