/**
 * `npm run bench` - the runtime measured the way users measure it, in groups (BENCH_GROUPS, default all):
 *   grid     WSO2's performance-test scenarios beside nginx and a node:http + undici pass-through (nginx and
 *            Node echo backends: BACKENDS), CPU µs per request ratios
 *   size     10 KB and 100 KB requests, RSS while 20 clients send 100 KB bodies
 *   latency  p99 at 200 and 1000 connections beside Micro Integrator 4.5.0's published figures, no failures
 *   startup  1000 APIs: time to ready, RSS, hot deployment of one more, memory per idle keep-alive connection
 *   nodered  throughput against Node-RED 4 on the same flows (installed on demand into a cache folder)
 *   workers  `[server] workers = 2` against 1
 *   security mutual SSL (handshake with ab, and a load balancer's header with wrk) and a throttled API, each
 *            against the same API open
 * and a final table: scenario, measured, target, PASS/FAIL/SKIP (INFO: reported, not judged).
 *
 * Method (bench/README.md): wrk (1 thread) pinned with the echo backend to core 1, the SUTs unpinned; CPU µs
 * per request = utime+stime of the SUT's process tree (/proc/<pid>/stat) over a cell ÷ completed requests;
 * targets interleaved within each repeat, ratios from the medians of REPEATS. BENCH_QUICK=1: a smoke run.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { printHeader, writeTsv } from './cells.js';
import { gridGroup } from './groups/grid.js';
import { latencyGroup } from './groups/latency.js';
import { noderedGroup } from './groups/nodered.js';
import { sizeGroup } from './groups/size.js';
import { startupGroup } from './groups/startup.js';
import { securityGroup } from './groups/security.js';
import { workersGroup } from './groups/workers.js';
import { broken } from './interleave.js';
import { exitCode, summaryTable, type Check } from './judge.js';
import { machineBusy } from './proc.js';
import { setBodiesDir } from './requests.js';
import { S, type Group } from './settings.js';
import { checkTools, PIN_CORE, Stack } from './stack.js';
import { info, Teardown } from './teardown.js';

// wrk runs are killed first, so a stopped SUT is not counted as failed requests
const teardown = new Teardown('bench', (children) => {
  for (const c of children) if (c.spawnargs.some((a) => a === 'wrk')) c.kill('SIGKILL');
});
teardown.listen();

const GROUP_RUNNERS: Record<Group, (stack: Stack, checks: Check[]) => Promise<void>> = {
  grid: gridGroup,
  size: sizeGroup,
  latency: latencyGroup,
  startup: startupGroup,
  nodered: noderedGroup,
  workers: workersGroup,
  security: securityGroup,
};
/** Groups that need our runtime (RUNTIME=0 runs the grid's baselines only). */
const RUNTIME_GROUPS = new Set<Group>(['size', 'latency', 'startup', 'nodered', 'workers', 'security']);

async function main(): Promise<number> {
  checkTools();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mi-bench-'));
  chmodSync(tmp, 0o755);
  setBodiesDir(tmp);
  const stack = new Stack(teardown, tmp);
  let ok = false;
  teardown.add('temporary folder', async () => {
    if ((ok || teardown.interrupted) && !S.keepHome) rmSync(tmp, { recursive: true, force: true });
    else info(`kept ${tmp}`);
  });

  const cpus = os.cpus();
  info(`mi bench: node ${process.version}, ${cpus.length} x ${cpus[0]?.model ?? '?'}, wrk and the echo backend pinned to core ${PIN_CORE ?? '-'}, the systems under test to core ${S.sutCore ?? '-'}${S.quick ? ', BENCH_QUICK (smoke run)' : ''}`);
  const busy = await machineBusy(1000);
  info(`machine busy before start: ${(busy * 100).toFixed(0)}% of ${cpus.length} CPUs (load average ${os.loadavg()[0]!.toFixed(2)})`);
  if (busy > 0.15) info(`WARNING: other processes are using the CPUs; throughput and CPU us/request will be noisy`);
  info(`groups: ${S.groups.join(',')}; ${S.duration} s per cell, warm-up ${S.warmup} s per target, ${S.repeats} repeat(s)`);

  const checks: Check[] = [];
  console.log('');
  printHeader();
  for (const group of S.groups) {
    if (!S.runtime && RUNTIME_GROUPS.has(group)) continue;
    info(`\n== ${group} ==`);
    try {
      await GROUP_RUNNERS[group](stack, checks);
    } catch (e) {
      if (teardown.interrupted) throw e;
      const msg = (e as Error).message;
      info(`group ${group} failed: ${msg}`);
      checks.push({ group, scenario: '(group did not complete)', measured: 'n/a', target: '', verdict: 'FAIL', note: msg });
      broken.set(`group ${group}`, msg);
    }
  }

  const tsv = path.join(os.tmpdir(), `mi-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.tsv`);
  writeTsv(tsv);
  console.log(`\nraw rows (TSV): ${tsv}`);
  if (broken.size) {
    console.log(`\nBROKEN (failed the status 200 + "symbol" check, or a group that could not complete):`);
    for (const [s, d] of broken) console.log(`  ${s}: ${d.split('\n')[0]}`);
    console.log(`runtime output is in ${tmp}/runtime-*.log (kept)`);
  }
  console.log(`\nSummary${S.quick ? ' (BENCH_QUICK smoke run: short cells, 1 repeat; not figures to keep)' : ''}:\n`);
  console.log(summaryTable(checks));
  ok = broken.size === 0;
  return exitCode(checks, broken.size, S.strict);
}

main()
  .then(
    (code) => code,
    (e: Error) => {
      if (!teardown.interrupted) info(`\nbench failed: ${e.message}`);
      return 1;
    },
  )
  .then(async (code) => {
    await teardown.run();
    process.exit(code);
  });
