/**
 * `npm run soak` - a long-running soak of the runtime under mixed honest and hostile traffic (not part of CI).
 *
 * Starts a switchable echo backend (in this process) and `node bin/mi.js start` on a temporary home with five
 * artifacts (pass-through proxy, body-reading proxy, REST API with a uri-template and a JSON payloadFactory,
 * WS-Security UsernameToken proxy, Basic-auth API; bench/soak/home.ts), then for DURATION seconds drives CONC
 * honest clients plus a few attack lanes and slowloris sockets, hot-redeploys an artifact and injects a
 * backend fault every 30-60 s, samples the runtime's RSS and open descriptors every 10 s and scans its log.
 * Prints a table per request class and a verdict; exit status 1 when the verdict fails. See bench/README.md.
 *
 * Env: DURATION=1800 CONC=16 ATTACK_LANES=max(1,CONC/8) SLOWLORIS=8 SAMPLE_EVERY=10 EVENT_EVERY=30-60
 *      FAULT_LENGTH=3-6 OFFSET=321 BACKEND_PORT=9011 HEADERS_TIMEOUT=10000 RSS_PCT=20 RSS_MB=30 FD_SLACK=24
 *      STRICT=1 (no interim allowance of the table below applies; or STRICT=traversal,log for some)  KEEP_HOME=1
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, type Dispatcher } from 'undici';
import { clockTicks, openFdCount, portFree, rssBytes, sleep, stopChild, tail, treeCpuTicks, waitExit, waitForPort } from './proc.js';
import { ADDR, ATTACK_NAMES, ATTACKS, type AttackName } from './soak/attacks.js';
import { BACKEND_BASE_PATH, FaultBackend, type BackendMode } from './soak/fault-backend.js';
import { prepareSoakHome, SOAK_USER, VICTIM_USER, writeArtifact, type Artifact } from './soak/home.js';
import { LogWatch, type KnownLogIssue } from './soak/log-watch.js';
import { normalClasses } from './soak/normal-traffic.js';
import { FaultWindows, Outcomes, percentile, type RequestClass } from './soak/outcomes.js';
import { FORGED } from './soak/payloads.js';
import { flatness, printChecks, printClassTable, writeClassesTsv, writeSamplesTsv, type CheckLine, type Sample } from './soak/report.js';
import { SlowlorisHolder } from './soak/slowloris.js';
import { info, Teardown } from './teardown.js';

// ---------------------------------------------------------------- what each attack must get (edit here)

/**
 * Answers are labels: an HTTP status (`400`), or `aborted` (the client cut its own request), `leak` (a
 * hop-by-hop header or a path outside /echo reached the backend, an external entity was expanded), `auth-bypass`, `held`
 * (a slowloris socket the server never closed), `closed` / `reset` (the server hung up without answering),
 * or an undici error code.
 */
interface AttackRow {
  /** The answers once the hardening is in. */
  expect: string[];
  /** Share among attacks (each lane picks by weight). */
  weight: number;
  /** At least this long between two attacks of this class (big bodies). */
  minGapMs?: number;
  /** Reaches the backend, so an injected fault can explain a failure. */
  usesBackend: boolean;
  /** Attributes, elements or depth. */
  size?: number;
  /** Allowances until the hardening named in `pending` lands on this tree; STRICT=1 ignores them. */
  interim?: {
    pending: string;
    /** Answers accepted meanwhile. */
    accept?: string[];
    /** A smaller attack meanwhile (the full one stalls the runtime). */
    size?: number;
    /** Not sent meanwhile (its damage would hide everything else). */
    off?: boolean;
    /** After one aimed at the pass-through proxy, backend-reaching failures for this long are blamed on it. */
    sideEffectMs?: number;
    /** Log lines it forges are reported, not failed. */
    forgedLines?: boolean;
  };
}

const ATTACK_TABLE: Record<AttackName, AttackRow> = {
  'attr-flood': {
    // 500: a wsse fault is HTTP 500; 200: a valid UsernameToken is admitted, the header read in linear time
    // (about 0.2 s for 100k attributes) and the pass-through body never parsed
    expect: ['200', '400', '413', '500'],
    weight: 1,
    minGapMs: 20_000,
    usesBackend: true,
    size: 100_000,
    interim: {
      pending: 'attribute limits: attributes are handled in quadratic time (10k: 1.3 s, 30k: 8 s, 100k: about 90 s of a blocked event loop, answered 200)',
      size: 2_000,
      accept: ['200'],
    },
  },
  'tiny-elements': {
    expect: ['400', '413'],
    weight: 1,
    minGapMs: 20_000,
    usesBackend: true,
    size: 1_000_000,
    interim: { pending: 'element budget: 1M empty elements (4 MB) are built into a DOM (100k took 5 s, 300k 13 s, answered 200)', size: 20_000, accept: ['200'] },
  },
  'deep-json': {
    expect: ['400'],
    weight: 2,
    usesBackend: true,
    size: 100_000,
    interim: { pending: 'JSON depth limit: 10k-deep JSON answers 500 MI_MED_001 "Maximum call stack size exceeded"', accept: ['500'] },
  },
  'deep-xml': { expect: ['400'], weight: 2, usesBackend: true, size: 10_000 },
  doctype: { expect: ['400', '500'], weight: 3, usesBackend: true }, // 500: the WS-Security proxy answers a wsse:InvalidSecurity fault
  traversal: {
    expect: ['200', '400', '401', '404'], // 200 only when the backend was asked for a path under its base path (it tells)
    weight: 4,
    usesBackend: true,
    interim: {
      pending: 'dot segments after a proxy name are resolved against the endpoint address: /services/P/%2e%2e/%2e%2e/%2e%2e/etc/passwd asks the backend for /etc/passwd (MI_REQ_011)',
      accept: ['leak'],
    },
  },
  'crlf-header': { expect: ['400'], weight: 3, usesBackend: false },
  'crlf-path': {
    expect: ['400', 'closed'], // an HTTP/0.9 request line (cut by CR LF) gets its connection closed, never mediated
    weight: 2,
    usesBackend: true,
    interim: { pending: 'a request line cut by CR LF is read by Node as an HTTP/0.9 request and served (200)', accept: ['200'] },
  },
  'log-forging': {
    expect: ['200', '400', '401', '403', '404', '429', '500'], // the answer does not matter here: the log lines do (429: the per-address login limit)
    weight: 3,
    usesBackend: true,
    interim: { pending: 'log forging: CR LF from a request reaches a log line unescaped', forgedLines: true },
  },
  'hop-by-hop': {
    expect: ['200', '400'],
    weight: 3,
    usesBackend: true,
    interim: { pending: 'a header named alone in Connection is forwarded to the backend', accept: ['leak'] },
  },
  'abort-upload': {
    expect: ['aborted'],
    weight: 3,
    usesBackend: true,
    interim: { pending: 'a client abort on the pass-through proxy is taken for a backend reset and suspends the endpoint (101503)', sideEffectMs: 5_000 },
  },
  abandon: {
    expect: ['aborted'],
    weight: 2,
    usesBackend: true,
    interim: {
      pending:
        'a pass-through reply to a client that already left is neither read nor destroyed: the backend connection stays open for good (CLOSE-WAIT once the backend closes) and SIGTERM never exits (undici Pool.close waits for it)',
      off: true,
    },
  },
  oversize: { expect: ['413'], weight: 1, minGapMs: 5_000, usesBackend: false },
  'login-basic': { expect: ['401', '403', '429', '503'], weight: 3, usesBackend: false },
  'login-wssec': { expect: ['500', '429', '503'], weight: 3, usesBackend: false },
};

/** Slowloris sockets: closed by the server (408, or a plain close) within the deadline. */
const SLOWLORIS_EXPECT = ['408', 'closed'];

/** Log records this tree writes that a pending fix removes; STRICT=1 counts them as failures. */
const KNOWN_LOG_ISSUES: KnownLogIssue[] = [
  {
    pattern: /Cannot read properties of null \(reading 'remoteAddress'\)/,
    pending: 'access log: the line for a reply finished after the client closed reads req.socket (null), logs a TypeError with its stack and is lost',
  },
];

// ---------------------------------------------------------------- settings

const HERE = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = path.resolve(HERE, '..', '..');

const int = (name: string, dflt: number, min = 1): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: '${raw}' is not an integer >= ${min}`);
  return n;
};
const range = (name: string, dflt: string): [number, number] => {
  const raw = process.env[name] || dflt;
  const m = /^(\d+)(?:-(\d+))?$/.exec(raw);
  if (!m) throw new Error(`${name}: '${raw}' is not N or N-M (seconds)`);
  const a = Number(m[1]);
  const b = Number(m[2] ?? m[1]);
  if (a < 1 || b < a) throw new Error(`${name}: '${raw}' must be 1 <= N <= M`);
  return [a, b];
};

function strictList(raw: string | undefined): Set<string> | 'all' | undefined {
  if (!raw || raw === '0') return undefined;
  if (raw === '1') return 'all';
  const names = raw.split(/[\s,]+/).filter(Boolean);
  for (const n of names) {
    if (n !== 'log' && !(ATTACK_NAMES as readonly string[]).includes(n)) throw new Error(`STRICT: '${n}' is neither 1, log, nor an attack class (${ATTACK_NAMES.join(', ')})`);
  }
  return new Set(names);
}

const CONC = int('CONC', 16);
const S = {
  duration: int('DURATION', 1800),
  conc: CONC,
  attackLanes: int('ATTACK_LANES', Math.max(1, Math.round(CONC / 8))),
  slowloris: int('SLOWLORIS', 8, 0),
  sampleEvery: int('SAMPLE_EVERY', 10),
  eventEvery: range('EVENT_EVERY', '30-60'),
  faultLength: range('FAULT_LENGTH', '3-6'),
  offset: int('OFFSET', 321, 0),
  backendPort: int('BACKEND_PORT', 9011),
  headersTimeoutMs: int('HEADERS_TIMEOUT', 10_000),
  rssPct: int('RSS_PCT', 20, 0),
  rssMb: int('RSS_MB', 30, 0),
  fdSlack: int('FD_SLACK', 24, 0),
  /** STRICT=1: no interim allowance at all; STRICT=traversal,log: none for those classes (`log`: known log records). */
  strict: strictList(process.env['STRICT']),
  keepHome: process.env['KEEP_HOME'] === '1',
};
/** True when the interim allowances of this attack class (or `log`) are off. */
const isStrict = (name: string): boolean => S.strict === 'all' || (S.strict?.has(name) ?? false);
const HTTP_PORT = 8280 + S.offset;
const ENDPOINT_TIMEOUT_MS = 2000;
/** The backend's slow mode answers after the endpoint gave up (504s). */
const SLOW_MS = ENDPOINT_TIMEOUT_MS + 1500;
/** After a fault ends: the endpoint's longest suspension (4 s) + its timeout + slack. */
const FAULT_GRACE_MS = 4000 + ENDPOINT_TIMEOUT_MS + 2000;
const NORMAL_TIMEOUT_MS = 30_000;
const ATTACK_TIMEOUT_MS = 60_000;
const ATTACK_PAUSE_MS = 150;
/** Node checks headers_timeout every 30 s (connectionsCheckingInterval), so a slowloris socket may live that much longer. */
const SLOWLORIS_DEADLINE_MS = S.headersTimeoutMs + 30_000 + 10_000;
const FAULT_MODES: BackendMode[] = ['reset', 'error500', 'refused', 'slow'];
/**
 * RSS gets a verdict from this run length on: in the first minutes V8 grows its heap with the allocation
 * rate (130 -> 200 MB in two minutes here, with nothing leaking), so a short run's quarters compare warm-up.
 */
const RSS_MIN_RUN_S = 600;

// ---------------------------------------------------------------- cleanup / signals

let running = false;
// the lanes stop first: an answer cut by the stop says nothing
const teardown = new Teardown('soak', () => {
  running = false;
});
teardown.listen();

const indent = (s: string): string => s.replace(/^/gm, '    ');
const randomIn = ([a, b]: [number, number]): number => (a + Math.random() * (b - a)) * 1000;

// ---------------------------------------------------------------- the runtime

async function startRuntime(home: string, log: string): Promise<ChildProcess> {
  const fd = openSync(log, 'w');
  const args = [path.join(ROOT, 'bin', 'mi.js'), 'start', '--home', home];
  info(`starting runtime: node bin/mi.js start --home ${home}   (output: ${log})`);
  const child = spawn(process.execPath, args, { cwd: ROOT, env: process.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  teardown.track(child);
  teardown.add('runtime', () => stopChild(child, 15_000));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const out = existsSync(log) ? readFileSync(log, 'utf8') : '';
    if (/^mi: ready on /m.test(out)) break;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`runtime exited (${child.exitCode ?? child.signalCode}) before printing 'ready'. Its output:\n${indent(out.trim() || '(none)')}`);
    }
    if (Date.now() > deadline) throw new Error(`runtime printed no 'ready' line within 60 s. Its output:\n${indent(tail(log, 60).trim() || '(none)')}`);
    await sleep(100);
  }
  await waitForPort(HTTP_PORT, 5000);
  return child;
}

/** The runtime's TCP connections by state and remote port (`ESTAB->9011 x3`), from `ss`; '' when there are none or no ss. */
function tcpConnections(pid: number): string {
  let out: string;
  try {
    out = execFileSync('ss', ['-Htnp', 'state', 'all'], { encoding: 'utf8' });
  } catch {
    return '(ss not available)';
  }
  const counts = new Map<string, number>();
  for (const line of out.split('\n')) {
    if (!line.includes(`pid=${pid},`)) continue;
    const f = line.trim().split(/\s+/);
    if (f[0] === 'LISTEN') continue;
    const key = `${f[0]}->${f[4]?.split(':').pop()}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} x${n}`).join(', ');
}

/** The Basic-auth API's answers carry the revision of its file: the last redeploy must have reached them. */
function redeployCheck(ctx: Context, trafficEnd: number): CheckLine {
  const name = 'hot redeploys took effect';
  // the README promises 2 s; a redeploy in the last 10 s may not have been asked for yet
  const last = ctx.basicRevisions.filter((r) => r.at <= trafficEnd - 10_000).at(-1);
  if (!last) return { name, status: 'n/a', detail: 'SoakBasicAPI was not redeployed 10 s before the end (run longer)' };
  const seen = ctx.basicRevSeen.find((r) => r.rev >= last.rev);
  if (seen) return { name, status: 'PASS', detail: `SoakBasicAPI revision ${last.rev} answered within ${((seen.at - last.at) / 1000).toFixed(1)} s of its file being written (${ctx.basicRevisions.length} redeploys of it)` };
  return { name, status: 'FAIL', detail: `SoakBasicAPI was rewritten as revision ${last.rev}, its answers still came from revision ${ctx.basicRevSeen.at(-1)?.rev ?? 0}` };
}

// ---------------------------------------------------------------- main

interface Context {
  outcomes: Outcomes;
  faults: FaultWindows;
  backend: FaultBackend;
  runtime: ChildProcess;
  artifacts: Artifact[];
  normalAgent: Agent;
  attackAgents: Map<string, Agent>;
  events: string[];
  /** Redeploys of the Basic-auth API (revision, time written), and each newer revision its answers showed, when first seen. */
  basicRevisions: { rev: number; at: number }[];
  basicRevSeen: { rev: number; at: number }[];
}

function attackRow(name: AttackName): { row: AttackRow; size: number; accept: string[]; off: boolean } {
  const row = ATTACK_TABLE[name];
  const interim = isStrict(name) ? undefined : row.interim;
  return { row, size: interim?.size ?? row.size ?? 0, accept: interim?.accept ?? [], off: interim?.off ?? false };
}

async function normalWorker(ctx: Context, worker: number, classes: ReturnType<typeof normalClasses>): Promise<void> {
  let n = 0;
  while (running) {
    const cls = classes[(worker + n) % classes.length]!;
    const id = `w${worker}n${n++}`;
    const start = Date.now();
    const r = await cls.send(ctx.normalAgent, id);
    if (!running && r.label !== '200') return; // the soak is stopping: an answer cut by the stop says nothing
    const end = Date.now();
    ctx.outcomes.record(cls.name, r.label, start, end, () => r.detail);
    if (r.rev !== undefined && r.rev > (ctx.basicRevSeen.at(-1)?.rev ?? 0)) ctx.basicRevSeen.push({ rev: r.rev, at: end });
    if (r.label === 'ECONNREFUSED') await sleep(200);
  }
}

async function attackLane(ctx: Context, lastRun: Map<AttackName, number>): Promise<void> {
  const agentFor = (address: string): Dispatcher => {
    let a = ctx.attackAgents.get(address);
    if (!a) ctx.attackAgents.set(address, (a = new Agent({ localAddress: address, connections: 4, keepAliveTimeout: 5000 })));
    return a;
  };
  while (running) {
    const now = Date.now();
    const eligible = ATTACK_NAMES.filter((a) => {
      const { row, off } = attackRow(a);
      return !off && (row.minGapMs === undefined || now - (lastRun.get(a) ?? 0) >= row.minGapMs);
    });
    if (!eligible.length) {
      await sleep(ATTACK_PAUSE_MS);
      continue;
    }
    const total = eligible.reduce((s, a) => s + ATTACK_TABLE[a].weight, 0);
    let x = Math.random() * total;
    const name = eligible.find((a) => (x -= ATTACK_TABLE[a].weight) < 0) ?? eligible[0]!;
    lastRun.set(name, now);
    const { row, size } = attackRow(name);
    const start = Date.now();
    const r = await ATTACKS[name]({ port: HTTP_PORT, size, agent: agentFor, timeoutMs: ATTACK_TIMEOUT_MS });
    if (!running && !row.expect.includes(r.label)) return; // cut by the stop
    const end = Date.now();
    const sideEffectMs = isStrict(name) ? undefined : row.interim?.sideEffectMs;
    if (sideEffectMs && r.target === 'SoakPassThrough') ctx.faults.mark(`${name} on the pass-through proxy (pending)`, sideEffectMs, end);
    ctx.outcomes.record(name, r.label, start, end, () => r.detail);
    await sleep(ATTACK_PAUSE_MS);
  }
}

/** Hot redeploys and backend faults, each every EVENT_EVERY seconds, the first ones early in the run. */
async function events(ctx: Context): Promise<void> {
  let nextRedeploy = Date.now() + 20_000;
  let nextFault = Date.now() + 10_000;
  let redeploys = 0;
  let faults = 0;
  while (running) {
    const now = Date.now();
    if (now >= nextRedeploy) {
      const a = ctx.artifacts[redeploys % ctx.artifacts.length]!;
      writeArtifact(a, ++redeploys);
      if (a.name === 'SoakBasicAPI') ctx.basicRevisions.push({ rev: redeploys, at: now });
      ctx.events.push(`redeploy:${a.name}`);
      nextRedeploy = now + randomIn(S.eventEvery);
    }
    if (now >= nextFault) {
      const mode = FAULT_MODES[faults++ % FAULT_MODES.length]!;
      const length = randomIn(S.faultLength);
      ctx.events.push(`fault:${mode}:${(length / 1000).toFixed(1)}s`);
      const w = ctx.faults.open(`backend ${mode}`);
      await ctx.backend.setMode(mode);
      await sleep(length);
      await ctx.backend.setMode('normal');
      ctx.faults.close(w);
      nextFault = Date.now() + randomIn(S.eventEvery);
      continue;
    }
    await sleep(250);
  }
}

async function main(): Promise<number> {
  if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npx tsc -p tsconfig.json first');
  const ports: [string, number][] = [
    ['backend (BACKEND_PORT)', S.backendPort],
    [`runtime HTTP (8280 + OFFSET ${S.offset})`, HTTP_PORT],
    [`runtime HTTPS (8243 + OFFSET ${S.offset})`, 8243 + S.offset],
    [`management API (9154 + OFFSET ${S.offset})`, 9154 + S.offset],
  ];
  for (const [what, port] of ports) {
    if (!(await portFree(port))) throw new Error(`port ${port} for the ${what} is in use; stop whatever holds it or set BACKEND_PORT / OFFSET`);
  }
  for (const address of Object.values(ADDR)) {
    if (!(await portFree(0, address))) throw new Error(`cannot bind ${address}: the attacks come from 127.0.0.2-5 (Linux routes all of 127/8 to lo)`);
  }

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mi-soak-'));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let verdictOk = false;
  teardown.add('temporary folder', async () => {
    if ((verdictOk || teardown.interrupted) && !S.keepHome) rmSync(tmp, { recursive: true, force: true });
    else info(`kept ${tmp} (runtime output: ${path.join(tmp, 'runtime.log')})`);
  });
  const home = path.join(tmp, 'home');
  const artifacts = prepareSoakHome(home, { offset: S.offset, backendPort: S.backendPort, headersTimeoutMs: S.headersTimeoutMs, endpointTimeoutMs: ENDPOINT_TIMEOUT_MS });

  const backend = new FaultBackend(S.backendPort, SLOW_MS);
  await backend.start();
  teardown.add('backend', () => backend.stop());

  const log = path.join(tmp, 'runtime.log');
  const runtime = await startRuntime(home, log);
  const pid = runtime.pid!;
  let runtimeDied: string | undefined;
  runtime.once('exit', (code, signal) => {
    if (running) {
      runtimeDied = `the runtime exited during the run (${code ?? signal})`;
      running = false;
    }
  });

  const faults = new FaultWindows(FAULT_GRACE_MS);
  const outcomes = new Outcomes(faults);
  const normalAgent = new Agent({ connections: S.conc, keepAliveTimeout: 30_000 });
  const ctx: Context = { outcomes, faults, backend, runtime, artifacts, normalAgent, attackAgents: new Map(), events: [], basicRevisions: [], basicRevSeen: [] };
  teardown.add('clients', async () => {
    await Promise.all([normalAgent, ...ctx.attackAgents.values()].map((a) => a.destroy().catch(() => {})));
  });

  // every artifact answers before the clock starts
  const classes = normalClasses({ port: HTTP_PORT, timeoutMs: NORMAL_TIMEOUT_MS });
  for (const c of classes) {
    const r = await c.send(normalAgent, 'sanity');
    if (r.label !== '200') throw new Error(`${c.name} does not work before the soak starts: ${r.label} ${r.detail}\nruntime output:\n${indent(tail(log, 20))}`);
  }

  const set = (xs: readonly string[]): ReadonlySet<string> => new Set(xs);
  for (const c of classes) outcomes.register({ name: c.name, kind: 'normal', usesBackend: c.usesBackend, expect: set(['200']), interimAccept: set([]) } satisfies RequestClass);
  for (const a of ATTACK_NAMES) {
    const { row, accept } = attackRow(a);
    outcomes.register({ name: a, kind: 'attack', usesBackend: row.usesBackend, expect: set(row.expect), interimAccept: set(accept) });
  }
  outcomes.register({ name: 'slowloris', kind: 'attack', usesBackend: false, expect: set(SLOWLORIS_EXPECT), interimAccept: set([]) });

  const secrets = [SOAK_USER.password, VICTIM_USER.password, 'c2VjcmV0OnNlY3JldA=='];
  const knownLog = isStrict('log') ? [] : KNOWN_LOG_ISSUES;
  const logWatch = new LogWatch(log, FORGED, secrets, knownLog);
  logWatch.poll(); // start-up lines

  info(
    `soak: ${S.duration} s, ${S.conc} clients, ${S.attackLanes} attack lane(s), ${S.slowloris} slowloris sockets, ` +
      `events every ${S.eventEvery.join('-')} s, samples every ${S.sampleEvery} s${S.strict ? `, STRICT=${process.env['STRICT']}` : ''}; runtime pid ${pid} on :${HTTP_PORT}`,
  );

  running = true;
  const t0 = Date.now();
  const samples: Sample[] = [];
  let lastTicks = treeCpuTicks(pid);
  let lastSampleAt = t0;
  const slowloris = new SlowlorisHolder(
    { port: HTTP_PORT, localAddress: ADDR.slowloris, count: S.slowloris, trickleMs: 2000, deadlineMs: SLOWLORIS_DEADLINE_MS },
    (r, start, end) => outcomes.record('slowloris', r.label, start, end, () => `${r.label} after ${r.ms} ms: ${r.head.replace(/\s+/g, ' ').slice(0, 160)}`),
  );
  teardown.add('slowloris sockets', () => slowloris.stop());

  const takeSample = (): void => {
    const now = Date.now();
    const ticks = treeCpuTicks(pid);
    const i = outcomes.takeInterval();
    const dt = (now - lastSampleAt) / 1000;
    const s: Sample = {
      tS: Math.round((now - t0) / 1000),
      rssMb: rssBytes(pid) / 1048576,
      fds: openFdCount(pid),
      cpuPct: dt > 0 ? ((ticks - lastTicks) / clockTicks() / dt) * 100 : NaN,
      requests: i.requests,
      normalPerS: dt > 0 ? i.normal / dt : NaN,
      expected: i.expected,
      interim: i.interim,
      fault: i.fault,
      unexpected: i.unexpected,
      p50Ms: percentile(i.normalLatencies, 50),
      p99Ms: percentile(i.normalLatencies, 99),
      backendMode: backend.mode,
      slowlorisOpen: slowloris.open,
      events: ctx.events.splice(0).join(' '),
    };
    lastTicks = ticks;
    lastSampleAt = now;
    samples.push(s);
    logWatch.poll();
    info(
      `t=${String(s.tS).padStart(5)}s rss=${s.rssMb.toFixed(0)}MB fds=${s.fds} cpu=${s.cpuPct.toFixed(0)}% normal=${s.normalPerS.toFixed(0)}/s ` +
        `p50=${s.p50Ms.toFixed(1)}ms p99=${s.p99Ms.toFixed(1)}ms fault=${s.fault} interim=${s.interim} unexpected=${s.unexpected} backend=${s.backendMode}${s.events ? ` [${s.events}]` : ''}`,
    );
  };

  const lastRun = new Map<AttackName, number>();
  const workers = [
    ...Array.from({ length: S.conc }, (_, w) => normalWorker(ctx, w, classes)),
    ...Array.from({ length: S.attackLanes }, () => attackLane(ctx, lastRun)),
    events(ctx),
  ];
  slowloris.start();
  const sampler = setInterval(takeSample, S.sampleEvery * 1000);
  const end = t0 + S.duration * 1000;
  while (running && Date.now() < end) await sleep(250);
  running = false;
  const trafficEnd = Date.now();
  clearInterval(sampler);
  if (teardown.interrupted) return 130;
  info('stopping traffic ...');
  await Promise.race([Promise.all(workers), sleep(ATTACK_TIMEOUT_MS + 5000)]);
  takeSample();
  await slowloris.stop();
  await Promise.all([normalAgent, ...ctx.attackAgents.values()].map((a) => a.close().catch(() => {})));

  // the runtime must drain and exit 0 on SIGTERM, within its shutdown grace period (10 s) and a margin
  let shutdown: CheckLine;
  if (runtimeDied) {
    shutdown = { name: 'runtime up and clean shutdown', status: 'FAIL', detail: `${runtimeDied}; its last output:\n${indent(tail(log, 15))}` };
  } else {
    const before = tcpConnections(pid);
    const t = Date.now();
    runtime.kill('SIGTERM');
    const exited = await waitExit(runtime, 20_000);
    const ms = Date.now() - t;
    if (!exited) {
      runtime.kill('SIGKILL');
      await waitExit(runtime, 5000);
    }
    const ok = exited && runtime.exitCode === 0;
    shutdown = {
      name: 'runtime up and clean shutdown',
      status: ok ? 'PASS' : 'FAIL',
      detail:
        (exited ? `SIGTERM: exit ${runtime.exitCode ?? runtime.signalCode} after ${ms} ms` : `SIGTERM: still running after 20 s (killed)`) +
        `; its TCP connections at SIGTERM (listeners excluded): ${before || 'none'}`,
    };
  }
  logWatch.finish();

  // ---------------------------------------------------------------- report
  const tallies = [...outcomes.tallies.values()];
  console.log(`\nsoak of ${Math.round((Date.now() - t0) / 1000)} s: ${outcomes.totals().requests} requests, ${faults.count} fault windows\n`);
  printClassTable(tallies);

  const normalLat = tallies.filter((t) => t.cls.kind === 'normal').flatMap((t) => t.latencies);
  console.log(
    `\nnormal requests answered as expected: p50 ${percentile(normalLat, 50).toFixed(1)} ms, p90 ${percentile(normalLat, 90).toFixed(1)} ms, ` +
      `p99 ${percentile(normalLat, 99).toFixed(1)} ms, max ${Math.max(0, ...tallies.filter((t) => t.cls.kind === 'normal').map((t) => t.maxMs))} ms`,
  );
  if (outcomes.attributed.size) {
    console.log(`failures attributed to injected faults: ${[...outcomes.attributed].map(([c, n]) => `${c}: ${n}`).join(', ')}`);
  }
  const bc = backend.counters;
  console.log(`backend: ${bc.requests} requests, ${bc.hopLeaks} with a hop-by-hop header, ${bc.escapedPaths} outside its base path ${BACKEND_BASE_PATH}, ${bc.resets} reset mid-response`);

  const unexpected = tallies.filter((t) => t.byVerdict.unexpected > 0);
  if (unexpected.length) {
    console.log('\nunexpected answers (first few per class):');
    for (const t of unexpected) {
      console.log(`  ${t.cls.name}: ${t.byVerdict.unexpected}`);
      for (const e of t.examples) console.log(`      ${e}`);
    }
  }

  const pending: string[] = [];
  for (const a of ATTACK_NAMES) {
    const row = ATTACK_TABLE[a];
    if (!row.interim || isStrict(a)) continue;
    const t = outcomes.tallies.get(a)!;
    const seen = row.interim.off
      ? 'not sent'
      : [
          t.byVerdict.interim ? `${t.byVerdict.interim} interim answers` : '',
          row.interim.size !== undefined ? `size ${row.interim.size} instead of ${row.size}` : '',
          row.interim.sideEffectMs ? `${outcomes.attributed.get(`${a} on the pass-through proxy (pending)`) ?? 0} failures blamed on its side effect` : '',
          row.interim.forgedLines ? `${logWatch.counts.get('forged line') ?? 0} forged log lines` : '',
        ]
          .filter(Boolean)
          .join(', ') || 'nothing seen';
    pending.push(`${a}: ${seen} -- ${row.interim.pending}`);
  }
  for (const [k, n] of logWatch.known) pending.push(`log: ${n} record(s) -- ${k.pending}`);

  const checks: CheckLine[] = [shutdown];
  const totals = outcomes.totals();
  checks.push({
    name: 'no unexpected answers',
    status: totals.unexpected === 0 ? 'PASS' : 'FAIL',
    detail: `${totals.unexpected} unexpected of ${totals.requests}${unexpected.length ? ` (${unexpected.map((t) => `${t.cls.name} ${t.byVerdict.unexpected}`).join(', ')})` : ''}; ${totals.fault} attributed to injected faults, ${totals.interim} interim`,
  });
  const rss = samples.map((s) => s.rssMb);
  const rssTooShort = trafficEnd - t0 < RSS_MIN_RUN_S * 1000 ? `no verdict under ${RSS_MIN_RUN_S} s: V8 still sizes its heap to the load` : undefined;
  checks.push(flatness('RSS flat', rss, 'MB', (e, l) => l <= e * (1 + S.rssPct / 100) || l - e <= S.rssMb, `allowed +${S.rssPct}% or +${S.rssMb} MB`, rssTooShort));
  checks.push(flatness('open descriptors flat', samples.map((s) => s.fds), 'fds', (e, l) => l - e <= S.fdSlack, `allowed +${S.fdSlack}`));
  for (const issue of ['stack trace', 'node warning', 'deployment failed', 'secret in log'] as const) {
    const n = logWatch.counts.get(issue) ?? 0;
    checks.push({ name: `no ${issue} in the runtime log`, status: n ? 'FAIL' : 'PASS', detail: n ? `${n}, first:\n${indent((logWatch.examples.get(issue) ?? []).join('\n---\n'))}` : `${logWatch.lines} lines read` });
  }
  const forged = logWatch.counts.get('forged line') ?? 0;
  const forgedPending = !isStrict('log-forging') && ATTACK_TABLE['log-forging'].interim?.forgedLines;
  checks.push({
    name: 'no forged log line',
    status: forged === 0 ? 'PASS' : forgedPending ? 'PENDING' : 'FAIL',
    detail: forged ? `${forged}, first:\n${indent((logWatch.examples.get('forged line') ?? []).join('\n'))}` : 'none',
  });
  const quiet = tallies.filter((t) => t.total === 0 && !(t.cls.kind === 'attack' && t.cls.name !== 'slowloris' && attackRow(t.cls.name as AttackName).off));
  if (quiet.length) checks.push({ name: 'every class exercised', status: 'n/a', detail: `never sent (run longer): ${quiet.map((t) => t.cls.name).join(', ')}` });

  checks.push(redeployCheck(ctx, trafficEnd));

  const samplesTsv = path.join(os.tmpdir(), `mi-soak-${stamp}.tsv`);
  const classesTsv = path.join(os.tmpdir(), `mi-soak-${stamp}-classes.tsv`);
  writeSamplesTsv(samplesTsv, samples);
  writeClassesTsv(classesTsv, tallies);
  console.log(`\nsamples (TSV): ${samplesTsv}\nclasses (TSV): ${classesTsv}`);

  if (pending.length) {
    console.log(`\npending on this tree (allowed until the fix lands; STRICT=1 fails on them):`);
    for (const p of pending) console.log(`  ${p}`);
  }
  verdictOk = checks.every((c) => c.status !== 'FAIL');
  console.log(`\nverdict: ${verdictOk ? 'PASS' : 'FAIL'}`);
  printChecks(checks);
  return verdictOk ? 0 : 1;
}

main()
  .then(
    (code) => code,
    (e: Error) => {
      if (!teardown.interrupted) info(`\nsoak failed: ${e.message}`);
      return 1;
    },
  )
  .then(async (code) => {
    await teardown.run();
    process.exit(code);
  });
