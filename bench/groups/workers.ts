/**
 * workers: DirectProxy throughput of a runtime with `[server] workers = 2` against one with 1 worker, same
 * home otherwise, interleaved, WORKERS_CONC connections. Two workers can only go faster where there are
 * cores that wrk, the echo backend and other work leave free: the line says how many CPUs the machine has.
 */
import os from 'node:os';
import { cellMedian } from '../cells.js';
import { interleave } from '../interleave.js';
import { ratioAtLeast, type Check } from '../judge.js';
import { runtimeUrl } from '../requests.js';
import { S } from '../settings.js';
import { bodyFile, resolveScenario, type Stack } from '../stack.js';

export async function workersGroup(stack: Stack, checks: Check[]): Promise<void> {
  const scenarios = [resolveScenario('DirectProxy')];
  // neither is pinned: one worker may use what the other core has spare, as two workers do
  const one = await stack.runtime('workers-1', { scenarios, backend: 'nginx', workers: 1, unpinned: true });
  const two = await stack.runtime('workers-2', { scenarios, backend: 'nginx', workers: 2, unpinned: true });
  const conc = S.workersConc;
  await interleave(stack, { group: 'workers', sizes: [1000], concs: [conc] }, [
    { scenario: 'DirectProxy', sut: { target: 'workers=1', url: runtimeUrl(one, 'DirectProxy'), pid: one.child.pid! }, backend: 'nginx', body: bodyFile, runtime: one.child },
    { scenario: 'DirectProxy', sut: { target: 'workers=2', url: runtimeUrl(two, 'DirectProxy'), pid: two.child.pid! }, backend: 'nginx', body: bodyFile, runtime: two.child },
  ]);
  const q = { group: 'workers', scenario: 'DirectProxy', size: 1000, conc, backend: 'nginx' };
  const a = cellMedian({ ...q, target: 'workers=2' }, 'rps');
  const b = cellMedian({ ...q, target: 'workers=1' }, 'rps');
  checks.push(ratioAtLeast('workers', `DirectProxy req/s, workers = 2 / 1 (1 KB, c${conc}, ${os.availableParallelism()} CPUs)`, a, b, 1.7));
}
