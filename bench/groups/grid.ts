/**
 * grid: the WSO2 performance-test scenarios at SIZES x CONC beside nginx and the undici pass-through, with
 * the nginx echo backend and (BACKENDS=node) a node:http echo backend: CPU µs per request ratios.
 */
import { cellMedian, fmt, measureTogether } from '../cells.js';
import { broken, interleave, targetKey, type Target } from '../interleave.js';
import { info, median, ratioAtMost, type Check } from '../judge.js';
import { authorizationFor, mainRuntime, runtimeUrl, scenarioBody } from '../requests.js';
import { S } from '../settings.js';
import { bodyFile, resolveScenario, type Stack } from '../stack.js';

const HTTPS = 'DirectProxy-https';
const METRICS_OFF = 'DirectProxy-metrics-off';

interface Spec {
  label: string;
  num: [scenario: string, target: string];
  den: [scenario: string, target: string];
  max?: number;
  /** The target holds at that payload size only (other sizes print the ratio for information). */
  atSize?: number;
}
const rt = (s: string): [string, string] => [s, 'runtime'];

/** CPU µs/request ratios; `max` is the issue's target, the rest are printed for information. */
export const GRID_RATIOS: Spec[] = [
  { label: 'DirectProxy / undici', num: rt('DirectProxy'), den: ['passthrough', 'undici'], max: 1.15 },
  { label: 'CBRTransportHeaderProxy / DirectProxy', num: rt('CBRTransportHeaderProxy'), den: rt('DirectProxy'), max: 1.05 },
  { label: 'CBRProxy / DirectProxy', num: rt('CBRProxy'), den: rt('DirectProxy'), max: 1.3 },
  { label: 'CBRSOAPHeaderProxy / DirectProxy', num: rt('CBRSOAPHeaderProxy'), den: rt('DirectProxy'), max: 1.3 },
  { label: 'MediatedProxy / DirectProxy', num: rt('MediatedProxy'), den: rt('DirectProxy'), max: 1.5 },
  { label: 'SoapToJsonProxy / DirectProxy', num: rt('SoapToJsonProxy'), den: rt('DirectProxy'), max: 1.6 },
  { label: 'DirectAPI / DirectProxy', num: rt('DirectAPI'), den: rt('DirectProxy') },
  { label: 'DirectAPIJWT / DirectAPI', num: rt('DirectAPIJWT'), den: rt('DirectAPI'), max: 1.15 },
  { label: 'DirectProxy / nginx', num: rt('DirectProxy'), den: ['passthrough', 'nginx'] },
  { label: `${HTTPS} / DirectProxy`, num: rt(HTTPS), den: rt('DirectProxy') },
  { label: 'DirectProxy metrics on / off', num: rt('DirectProxy'), den: rt(METRICS_OFF), max: 1.03 },
  { label: 'DirectProxyUT / DirectProxy', num: rt('DirectProxyUT'), den: rt('DirectProxy'), max: 1.8 },
  // no target yet: 10 backend calls and an aggregation per request, reported against one call
  { label: 'SplitAggregateProxy (10 orders) / DirectProxy', num: rt('SplitAggregateProxy'), den: rt('DirectProxy') },
  // MI 4.5.0's XSLTProxy runs at ~0.18x its DirectProxy throughput at 1 KB, i.e. ~5.6x the CPU per request
  { label: 'XSLTProxy / DirectProxy', num: rt('XSLTProxy'), den: rt('DirectProxy'), max: 5.5, atSize: 1000 },
  { label: 'XSLTEnhancedProxy / DirectProxy', num: rt('XSLTEnhancedProxy'), den: rt('DirectProxy') },
];

export async function gridGroup(stack: Stack, checks: Check[]): Promise<void> {
  const targets: Target[] = [];
  for (const backend of S.backends) {
    if (backend === 'nginx') targets.push({ scenario: 'passthrough', sut: await stack.nginxBaseline(), backend, body: bodyFile });
    targets.push({ scenario: 'passthrough', sut: await stack.undici(backend), backend, body: bodyFile });
    if (!S.runtime) continue;
    if (backend === 'nginx') {
      const main = await mainRuntime(stack);
      for (const name of S.scenarios) {
        const sut = { target: 'runtime', url: runtimeUrl(main, name), pid: main.child.pid! };
        targets.push({ scenario: name, sut, backend, body: (size) => scenarioBody(name, size), authorization: authorizationFor(name), runtime: main.child });
        if (name !== 'DirectProxy') continue;
        const https = { target: 'runtime', url: `https://127.0.0.1:${main.httpsPort}/services/DirectProxy`, pid: main.child.pid! };
        targets.push({ scenario: HTTPS, sut: https, backend, body: bodyFile, runtime: main.child });
        if (S.metricsCompare) {
          const off = await stack.runtime('metrics-off', { scenarios: [resolveScenario('DirectProxy')], backend, metrics: false, workers: S.workers });
          targets.push({ scenario: METRICS_OFF, sut: { target: 'runtime', url: runtimeUrl(off, 'DirectProxy'), pid: off.child.pid! }, backend, body: bodyFile, runtime: off.child });
        }
      }
    } else if (S.scenarios.includes('DirectProxy')) {
      // behind the Node echo backend only DirectProxy is priced (against the undici pass-through to the same backend)
      const rtNode = await stack.runtime('node-echo', { scenarios: [resolveScenario('DirectProxy')], backend, workers: S.workers });
      targets.push({ scenario: 'DirectProxy', sut: { target: 'runtime', url: runtimeUrl(rtNode, 'DirectProxy'), pid: rtNode.child.pid! }, backend, body: bodyFile, runtime: rtNode.child });
    }
  }
  await interleave(stack, { group: 'grid', sizes: S.sizes, concs: S.conc }, targets);
  if (!S.runtime) return;

  const present = new Set(targets.map((t) => `${t.scenario}|${t.sut.target}|${t.backend}`));
  for (const backend of S.backends) {
    for (const size of S.sizes) {
      for (const conc of S.conc) {
        console.log(`\ngrid: CPU us/request ratios, ${backend} echo backend, ${size} B, ${conc} connections (median of ${S.repeats} repeat${S.repeats > 1 ? 's' : ''}):`);
        for (const s of GRID_RATIOS) {
          if (!present.has(`${s.num[0]}|${s.num[1]}|${backend}`) || !present.has(`${s.den[0]}|${s.den[1]}|${backend}`)) continue;
          const cell = { group: 'grid', size, conc, backend };
          const a = cellMedian({ ...cell, scenario: s.num[0], target: s.num[1] }, 'cpuUsPerReq');
          const b = cellMedian({ ...cell, scenario: s.den[0], target: s.den[1] }, 'cpuUsPerReq');
          const max = s.atSize === undefined || s.atSize === size ? s.max : undefined;
          const q = a / b;
          const verdict = !Number.isFinite(q) ? 'n/a' : max === undefined ? 'info' : q <= max ? 'ok' : 'OVER';
          console.log(`  ${s.label.padEnd(44)} ${fmt(q, 2).padStart(6)}  ${(max === undefined ? '' : `<= ${max.toFixed(2)}`).padEnd(8)} ${verdict.padEnd(5)} (${fmt(a, 1)} / ${fmt(b, 1)} us)`);
          if (max !== undefined) checks.push(ratioAtMost('grid', `${s.label} CPU/req (${backend} echo, ${size} B, c${conc})`, a, b, max));
        }
        const dr = cellMedian({ group: 'grid', scenario: 'DirectProxy', target: 'runtime', size, conc, backend }, 'rps');
        const ur = cellMedian({ group: 'grid', scenario: 'passthrough', target: 'undici', size, conc, backend }, 'rps');
        console.log(`  req/s: DirectProxy ${fmt(dr, 0)}, undici ${fmt(ur, 0)}  (DirectProxy / undici = ${fmt(dr / ur, 2)})`);
        await sameTime(stack, checks, targets, backend, size, conc);
      }
    }
  }
}

/**
 * DirectProxy ÷ undici again, both loaded at the same time for REPEATS windows (cells.ts measureTogether):
 * INFO beside the judged medians of interleaved cells, since a slow phase of the host cannot split it.
 */
async function sameTime(stack: Stack, checks: Check[], targets: Target[], backend: string, size: number, conc: number): Promise<void> {
  const find = (scenario: string, target: string) => targets.find((t) => t.scenario === scenario && t.sut.target === target && t.backend === backend);
  const dp = find('DirectProxy', 'runtime');
  const un = find('passthrough', 'undici');
  if (!dp || !un || broken.has(targetKey(dp))) return;
  const ratios: number[] = [];
  for (let r = 1; r <= S.repeats; r++) {
    const cell = (t: Target) => ({ group: 'grid', sut: t.sut, scenario: t.scenario, backend, size, conc, repeat: r, body: t.body(size) });
    const [a, b] = await measureTogether(stack, [cell(dp), cell(un)]);
    ratios.push(a! / b!);
  }
  const windows = ratios.map((q) => fmt(q, 2)).join(', ');
  const m = median(ratios);
  console.log(`  DirectProxy / undici, loaded at the same time: ${fmt(m, 2)} (windows: ${windows})`);
  checks.push(info('grid', `DirectProxy / undici CPU/req, loaded at the same time (${backend} echo, ${size} B, c${conc})`, `${fmt(m, 2)}x (windows: ${windows})`, 'the interleaved row judges'));
}
