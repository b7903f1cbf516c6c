/**
 * What `npm run bench` reads from its environment (see bench/README.md for the table). BENCH_QUICK=1
 * shortens every cell for a smoke run of a few minutes; the explicit variables still win over it.
 */
import os from 'node:os';
import path from 'node:path';

export const GROUPS = ['grid', 'size', 'latency', 'startup', 'nodered', 'workers', 'security'] as const;
export type Group = (typeof GROUPS)[number];
export const BACKEND_KINDS = ['nginx', 'node'] as const;
export type Backend = (typeof BACKEND_KINDS)[number];

const env = process.env;
export const list = (v: string | undefined, dflt: string) => (v ?? dflt).split(/[\s,]+/).filter(Boolean);
const intList = (name: string, dflt: string) =>
  list(env[name], dflt).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: '${s}' is not a positive integer`);
    return n;
  });
const int = (name: string, dflt: number, min = 1) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: '${raw}' is not an integer >= ${min}`);
  return n;
};
function oneOf<T extends string>(name: string, allowed: readonly T[], dflt: string): T[] {
  const values = list(env[name], dflt);
  for (const v of values) if (!allowed.includes(v as T)) throw new Error(`${name}: '${v}' is not one of ${allowed.join(', ')}`);
  return [...new Set(values)] as T[];
}

const quick = env['BENCH_QUICK'] === '1';

/**
 * SUT_CORE: a core number, or 'none'. By default core 0 when there are two or more (wrk and the echo
 * backend have core 1): left to the scheduler, a system under test also runs on wrk's core, and its CPU
 * per request then moved by up to 70 % between adjacent cells of the same target.
 */
function sutCore(): number | undefined {
  const raw = env['SUT_CORE'];
  if (raw === undefined || raw === '') return os.availableParallelism() >= 2 ? 0 : undefined;
  if (raw === 'none') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n >= os.availableParallelism()) throw new Error(`SUT_CORE: '${raw}' is not 'none' or a core number below ${os.availableParallelism()}`);
  return n;
}

function read() {
  return {
    quick,
    groups: oneOf('BENCH_GROUPS', GROUPS, GROUPS.join(',')),
    backends: oneOf('BACKENDS', BACKEND_KINDS, 'nginx,node'),
    sizes: intList('SIZES', '1000'),
    conc: intList('CONC', '20'),
    duration: int('DURATION', quick ? 2 : 5),
    warmup: int('WARMUP', quick ? 2 : 3, 0),
    repeats: int('REPEATS', quick ? 1 : 3),
    scenarios: list(
      env['SCENARIOS'],
      quick
        ? 'DirectProxy,CBRProxy,CBRSOAPHeaderProxy,CBRTransportHeaderProxy'
        : 'DirectProxy,CBRProxy,CBRSOAPHeaderProxy,CBRTransportHeaderProxy,MediatedProxy,SoapToJsonProxy,DirectAPI,DirectAPIJWT,DirectProxyUT,SplitAggregateProxy,XSLTProxy,XSLTEnhancedProxy',
    ),
    /** Payload sizes of the size group (the grid's SIZES are separate). */
    sizeSizes: intList('SIZE_SIZES', '10000,100000'),
    /** Connections of the latency group. */
    latencyConc: intList('LATENCY_CONC', '200,1000'),
    /** Seconds per latency cell: 1000 connections need longer than a grid cell to say anything. */
    latencyDuration: int('LATENCY_DURATION', quick ? 5 : 10),
    /** APIs deployed by the startup group. */
    startupApis: int('STARTUP_APIS', 1000),
    /** Idle keep-alive connections opened by the startup group to price one. */
    idleConns: int('IDLE_CONNS', quick ? 500 : 1000),
    /** Connections of the workers group. */
    workersConc: int('WORKERS_CONC', 100),
    offset: int('OFFSET', 123, 0),
    nginxPort: int('NGINX_PORT', 8280),
    undiciPort: int('UNDICI_PORT', 8291),
    undiciNodePort: int('UNDICI_NODE_PORT', 8292),
    nodeRedPort: int('NODERED_PORT', 8293),
    echoPort: int('ECHO_PORT', 9001),
    echoNodePort: int('ECHO_NODE_PORT', 9002),
    runtime: env['RUNTIME'] !== '0',
    keepHome: env['KEEP_HOME'] === '1',
    strict: env['STRICT'] === '1',
    metricsCompare: env['METRICS_COMPARE'] !== '0' && !quick,
    /** The core the systems under test run on (taskset), away from wrk and the echo backend; 'none' leaves them to the scheduler. */
    sutCore: sutCore(),
    /** `[server] workers` of the grid's runtime (node:cluster); its CPU is the whole process tree's. */
    workers: int('WORKERS', 1),
    /** Where the nodered group installs Node-RED (its own package.json, bench/node-red/). */
    cache: env['BENCH_CACHE'] || path.join(env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'mi-bench'),
  };
}

/** A bad variable ends the bench with its message, before anything starts. */
function settings(): ReturnType<typeof read> {
  try {
    return read();
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exit(2);
  }
}

export const S = settings();

export const has = (g: Group): boolean => S.groups.includes(g);
