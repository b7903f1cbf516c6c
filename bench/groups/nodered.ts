/**
 * nodered: the runtime's throughput against Node-RED 4 on the same flows, pass-through (DirectProxy against
 * http in -> http request -> http response) and body CBR (CBRProxy against a flow that parses the body
 * with the xml node and routes on the first order's symbol with a switch node), same echo backend, same
 * wrk load, interleaved. Node-RED is installed by this group only, from bench/node-red/package.json into
 * a cache folder (BENCH_CACHE), never into the project; when that fails the group is SKIPped with why.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cellMedian } from '../cells.js';
import { interleave, type Target } from '../interleave.js';
import { ratioAtLeast, skip, type Check } from '../judge.js';
import { mainRuntime, runtimeUrl } from '../requests.js';
import { S } from '../settings.js';
import { sleep } from '../proc.js';
import { BENCH, bodyFile, onSutCore, sanity, type Stack } from '../stack.js';
import { info } from '../teardown.js';

const SOURCE = path.join(BENCH, 'node-red');
const TARGET_RATIO = 8;
const FLOWS: [runtimeScenario: string, nodeRedPath: string, label: string][] = [
  ['DirectProxy', '/passthrough', 'pass-through'],
  ['CBRProxy', '/cbr', 'body CBR'],
];

type Installed = { ok: true; redJs: string } | { ok: false; reason: string };

/** npm install of bench/node-red/package.json into the cache folder, unless the same one is there already. */
export async function ensureNodeRed(cacheDir: string): Promise<Installed> {
  const dir = path.join(cacheDir, 'node-red');
  const wanted = readFileSync(path.join(SOURCE, 'package.json'), 'utf8');
  const redJs = path.join(dir, 'node_modules', 'node-red', 'red.js');
  const have = existsSync(path.join(dir, 'package.json')) ? readFileSync(path.join(dir, 'package.json'), 'utf8') : '';
  if (have === wanted && existsSync(redJs)) return { ok: true, redJs };
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), wanted);
  } catch (e) {
    return { ok: false, reason: `cannot write ${dir}: ${(e as Error).message}` };
  }
  info(`nodered: installing Node-RED into ${dir} (npm install, once) ...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
    execFile(npm, ['install', '--no-audit', '--no-fund', '--omit=dev', '--no-package-lock'], { cwd: dir, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number | string }).code === 'ENOENT' ? -1 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, out: `${stdout}\n${stderr}`.trim() });
    });
  });
  if (result.code === -1) return { ok: false, reason: 'npm not found on PATH' };
  if (result.code !== 0 || !existsSync(redJs)) {
    // the package.json stays, red.js does not: the next run tries again
    const last = result.out.split('\n').filter(Boolean).slice(-3).join(' | ');
    return { ok: false, reason: `npm install of node-red in ${dir} failed (exit ${result.code}): ${last || 'no output'}` };
  }
  return { ok: true, redJs };
}

export async function noderedGroup(stack: Stack, checks: Check[]): Promise<void> {
  const installed = await ensureNodeRed(S.cache);
  if (!installed.ok) {
    for (const [, , label] of FLOWS) checks.push(skip('nodered', `runtime / Node-RED req/s, ${label}`, `>= ${TARGET_RATIO}.00x`, installed.reason));
    return;
  }
  const echoPort = await stack.echo('nginx');
  const userDir = path.join(stack.tmp, 'node-red');
  mkdirSync(userDir, { recursive: true });
  copyFileSync(path.join(SOURCE, 'settings.js'), path.join(userDir, 'settings.js'));
  writeFileSync(path.join(userDir, 'flows.json'), readFileSync(path.join(SOURCE, 'flows.json'), 'utf8').replaceAll('__ECHO_PORT__', String(echoPort)));
  const [cmd, args] = onSutCore(process.execPath, [installed.redJs, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')]);
  const child = await stack.startNode(
    'Node-RED',
    cmd,
    args,
    { NODERED_PORT: String(S.nodeRedPort) },
    S.nodeRedPort,
    60_000,
    userDir,
  );
  // the port listens before the flows have started: wait for the pass-through flow to answer
  const deadline = Date.now() + 30_000;
  for (;;) {
    const c = await sanity(`http://127.0.0.1:${S.nodeRedPort}/passthrough`, readFileSync(bodyFile(1000), 'utf8'));
    if (c.ok) break;
    if (Date.now() > deadline) throw new Error(`Node-RED's pass-through flow did not answer within 30 s: ${c.detail}`);
    await sleep(250);
  }
  const main = await mainRuntime(stack);
  const targets: Target[] = [];
  for (const [scenario, nrPath] of FLOWS) {
    targets.push({ scenario, sut: { target: 'runtime', url: runtimeUrl(main, scenario), pid: main.child.pid! }, backend: 'nginx', body: bodyFile, runtime: main.child });
    targets.push({ scenario, sut: { target: 'node-red', url: `http://127.0.0.1:${S.nodeRedPort}${nrPath}`, pid: child.pid! }, backend: 'nginx', body: bodyFile });
  }
  const conc = S.conc[0]!;
  await interleave(stack, { group: 'nodered', sizes: [1000], concs: [conc] }, targets);
  for (const [scenario, , label] of FLOWS) {
    const q = { group: 'nodered', scenario, size: 1000, conc, backend: 'nginx' };
    const mine = cellMedian({ ...q, target: 'runtime' }, 'rps');
    const theirs = cellMedian({ ...q, target: 'node-red' }, 'rps');
    checks.push(ratioAtLeast('nodered', `${scenario} / Node-RED ${label} req/s (1 KB, c${conc})`, mine, theirs, TARGET_RATIO));
  }
}
