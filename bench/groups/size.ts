/**
 * size: 10 KB and 100 KB requests. DirectProxy against the undici pass-through and CBRProxy against
 * DirectProxy (CPU µs per request), then the runtime's RSS before and after 20 clients send 100 KB bodies
 * through DirectProxy: a pass-through that buffered or kept bodies would grow with the traffic.
 */
import { cellMedian, measure } from '../cells.js';
import { interleave, type Target } from '../interleave.js';
import { info as infoCheck, ratioAtMost, rssFlat, type Check } from '../judge.js';
import { sleep, treeRssBytes } from '../proc.js';
import { mainRuntime, runtimeUrl } from '../requests.js';
import { S } from '../settings.js';
import { bodyFile, type Stack } from '../stack.js';
import { info } from '../teardown.js';

/** The "20 clients". */
const CLIENTS = 20;
const BIG = 100_000;
/** RSS may grow this much while 100 KB bodies pass through (heap and allocator noise), not with the traffic. */
export const RSS_GROWTH_MB = 20;

export async function sizeGroup(stack: Stack, checks: Check[]): Promise<void> {
  const main = await mainRuntime(stack);
  const pid = main.child.pid!;
  const sut = (name: string) => ({ target: 'runtime', url: runtimeUrl(main, name), pid });
  const targets: Target[] = [
    { scenario: 'passthrough', sut: await stack.undici('nginx'), backend: 'nginx', body: bodyFile },
    { scenario: 'DirectProxy', sut: sut('DirectProxy'), backend: 'nginx', body: bodyFile, runtime: main.child },
    { scenario: 'CBRProxy', sut: sut('CBRProxy'), backend: 'nginx', body: bodyFile, runtime: main.child },
  ];
  await interleave(stack, { group: 'size', sizes: S.sizeSizes, concs: [CLIENTS] }, targets);

  for (const size of S.sizeSizes) {
    const q = { group: 'size', size, conc: CLIENTS, backend: 'nginx' };
    const d = cellMedian({ ...q, scenario: 'DirectProxy', target: 'runtime' }, 'cpuUsPerReq');
    const u = cellMedian({ ...q, scenario: 'passthrough', target: 'undici' }, 'cpuUsPerReq');
    const c = cellMedian({ ...q, scenario: 'CBRProxy', target: 'runtime' }, 'cpuUsPerReq');
    checks.push(ratioAtMost('size', `DirectProxy / undici CPU/req (${size} B, c${CLIENTS})`, d, u, 1.15));
    if (size === 10_000) checks.push(ratioAtMost('size', `CBRProxy / DirectProxy CPU/req (${size} B, c${CLIENTS})`, c, d, 1.3));
    else checks.push(infoCheck('size', `CBRProxy / DirectProxy CPU/req (${size} B, c${CLIENTS})`, `${(c / d).toFixed(2)}x (${c.toFixed(1)} / ${d.toFixed(1)})`));
  }

  // RSS while 20 clients send 100 KB bodies through DirectProxy, after the cells above warmed the heap up
  await sleep(1000);
  const before = treeRssBytes(pid);
  let peak = before;
  const seconds = S.quick ? 5 : 15;
  info(`size: RSS of the runtime before ${CLIENTS} clients send ${BIG} B bodies for ${seconds} s: ${(before / 1048576).toFixed(1)} MB`);
  const sampler = setInterval(() => (peak = Math.max(peak, treeRssBytes(pid))), 250);
  try {
    await measure(stack, { group: 'size-rss', sut: sut('DirectProxy'), scenario: 'DirectProxy', backend: 'nginx', size: BIG, conc: CLIENTS, repeat: 1, body: bodyFile(BIG), durationS: seconds });
  } finally {
    clearInterval(sampler);
  }
  const after = treeRssBytes(pid);
  checks.push(rssFlat('size', `RSS before/after ${CLIENTS} clients x ${BIG} B through DirectProxy`, before, after, RSS_GROWTH_MB));
  checks.push(infoCheck('size', `RSS peak during ${CLIENTS} clients x ${BIG} B`, `${(peak / 1048576).toFixed(0)} MB (+${((peak - before) / 1048576).toFixed(1)})`));
}
