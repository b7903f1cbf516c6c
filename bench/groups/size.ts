/**
 * size: 10 KB and 100 KB requests. DirectProxy against the undici pass-through and CBRProxy against
 * DirectProxy (CPU µs per request), then the runtime's RSS before and after 20 clients send 100 KB bodies
 * through DirectProxy: a pass-through that buffered or kept bodies would grow with the traffic.
 */
import { cellMedian, measure } from '../cells.js';
import { interleave, type Target } from '../interleave.js';
import { info as infoCheck, ratioAtMost, rssFlat, type Check } from '../judge.js';
import { treeRssBytes } from '../proc.js';
import { mainRuntime, runtimeUrl } from '../requests.js';
import { S } from '../settings.js';
import { readFileSync } from 'node:fs';
import { sendInTwoHalves, probeBackend } from '../stream-probe.js';
import { bodyFile, HEADERS, resolveScenario, type Stack } from '../stack.js';
import { info } from '../teardown.js';

/** The issue's "20 clients". */
const CLIENTS = 20;
const BIG = 100_000;
/** RSS may grow this much while 100 KB bodies pass through (heap and allocator noise), not with the traffic. */
export const RSS_GROWTH_MB = 20;
/** How long the probe's client holds back the second half of its body, waiting for the backend to see the first. */
const PROBE_WAIT_MS = 3000;

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

  // RSS while 20 clients send 100 KB bodies through DirectProxy. Under that load RSS is a sawtooth (the heap
  // and the buffers grow until a collection, tens of MB here): what tells a leak from the heap is the floor,
  // the lowest sample, in the first and in the second half of the stretch, after a first stretch that lets
  // the heap size itself to the traffic
  const idle = treeRssBytes(pid);
  const first = S.quick ? 3 : 10;
  const stretch = S.quick ? 16 : 30;
  const cell = (durationS: number, repeat: number) =>
    measure(stack, { group: 'size-rss', sut: sut('DirectProxy'), scenario: 'DirectProxy', backend: 'nginx', size: BIG, conc: CLIENTS, repeat, body: bodyFile(BIG), durationS });
  await cell(first, 1);
  const series: number[] = [];
  const t0 = Date.now();
  const sampler = setInterval(() => {
    const rss = treeRssBytes(pid);
    if (Number.isFinite(rss) && Date.now() - t0 >= (series.length + 1) * 500) series.push(rss);
  }, 100);
  try {
    await cell(stretch, 2);
  } finally {
    clearInterval(sampler);
  }
  info(`size: RSS every 0.5 s of ${stretch} s of ${CLIENTS} clients x ${BIG} B through DirectProxy (MB): ${series.map((b) => (b / 1048576).toFixed(0)).join(' ')}`);
  const half = series.length >> 1;
  const floor = (xs: number[]) => (xs.length ? Math.min(...xs) : NaN);
  checks.push(rssFlat('size', `RSS floor, 1st / 2nd half of ${stretch} s of ${CLIENTS} clients x ${BIG} B (DirectProxy)`, floor(series.slice(0, half)), floor(series.slice(half)), RSS_GROWTH_MB));
  checks.push(infoCheck('size', `RSS idle / peak under ${CLIENTS} clients x ${BIG} B`, `${(idle / 1048576).toFixed(0)} / ${(Math.max(...series) / 1048576).toFixed(0)} MB`));

  // streaming: a runtime whose RealService is a backend in this process that counts the bytes reaching it
  const backend = await probeBackend();
  stack.teardown.add('stream probe backend', () => backend.close());
  const probe = await stack.runtime('stream-probe', { scenarios: [resolveScenario('DirectProxy')], backendPort: backend.port });
  const big = readFileSync(bodyFile(BIG));
  const r = await sendInTwoHalves(runtimeUrl(probe, 'DirectProxy'), big, HEADERS, backend, PROBE_WAIT_MS);
  const ok = r.status === 200 && r.answerBytes === big.length;
  checks.push({
    group: 'size',
    scenario: `DirectProxy forwards a ${BIG} B body before its end`,
    measured: `${r.beforeRest} B at the backend while the client held back its second half${ok ? '' : `; answer ${r.status}, ${r.answerBytes} B`}`,
    target: '> 0 B, answer complete',
    verdict: r.beforeRest > 0 && ok ? 'PASS' : 'FAIL',
  });
}
