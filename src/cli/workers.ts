/**
 * `[server] workers = N` (or "auto"): `mi start` becomes a small primary process that forks N workers with
 * node:cluster. Each worker is a whole runtime; the HTTP, HTTPS (and probe) ports are one listening socket
 * shared by all, from which every worker accepts connections itself (SCHED_NONE). Not round robin through
 * the primary: there a connection handed to a worker at the moment it dies is never answered nor handed
 * on (Node's RoundRobinHandle waits for the dead worker's reply), and the primary pays for every
 * connection. UV_TCP_SINGLE_ACCEPT makes a worker take one connection at a time, so a burst of new
 * connections spreads over the workers. The management API runs in worker 1 only, so its log level
 * changes and HS256 tokens concern one process.
 *
 * The first worker starts alone (it makes the schema and the development key store checks without a race),
 * then the others. A worker that dies while serving is replaced; one that dies 5 times within a minute
 * stops everything (exit 1), as does a worker that cannot start. SIGTERM or SIGINT to the primary drains
 * every worker (each does what `mi start` does on SIGTERM) and exits 0 once all have exited 0.
 */
import cluster, { type Worker } from 'node:cluster';
import { WORKER_ENV } from '../logging/worker-files.js';

/** Sent by a worker once it serves: its ready line, without the `mi: ` prefix. */
export interface ReadyMessage {
  readonly mi: 'ready';
  readonly line: string;
}

export function isReadyMessage(m: unknown): m is ReadyMessage {
  return typeof m === 'object' && m !== null && (m as ReadyMessage).mi === 'ready' && typeof (m as ReadyMessage).line === 'string';
}

const CRASH_WINDOW_MS = 60_000;
const CRASHES_BEFORE_GIVING_UP = 5;

const say = (line: string): void => void process.stdout.write(`mi: ${line}\n`);

export function runWorkers(count: number, graceMs: number, t0 = Date.now()): void {
  const live = new Map<number, Worker>();
  const exits = new Map<number, number[]>();
  let everyoneReady = false;
  let stopping = false;
  let failed = false;
  let firstLine: string | undefined;

  const fork = (n: number): void => {
    const w = cluster.fork({ [WORKER_ENV]: String(n), UV_TCP_SINGLE_ACCEPT: '1' });
    live.set(n, w);
    w.on('message', (m: unknown) => {
      if (!isReadyMessage(m)) return;
      if (!everyoneReady) return onStartReady(n, m.line);
      say(`worker ${n} (pid ${w.process.pid}) is serving again`);
    });
    w.on('exit', (code: number | null, signal: string | null) => onExit(n, w, code, signal));
  };

  const ready = new Set<number>();
  const onStartReady = (n: number, line: string): void => {
    ready.add(n);
    if (n === 1) {
      firstLine = line;
      for (let i = 2; i <= count; i++) fork(i);
    }
    if (ready.size < count) return;
    everyoneReady = true;
    const pids = [...live.values()].map((w) => w.process.pid).join(', ');
    // worker 1's line names the management API; the worker count goes inside its parentheses
    say(
      firstLine!
        .replace('(', `(${count} workers, pids ${pids}; `)
        .replace(/ in \d+ ms/, ` in ${Date.now() - t0} ms`),
    );
  };

  const stopAll = (signal: NodeJS.Signals): void => {
    for (const w of live.values()) w.process.kill(signal);
  };

  const onExit = (n: number, w: Worker, code: number | null, signal: string | null): void => {
    if (live.get(n) === w) live.delete(n);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (stopping) {
      if (code !== 0) failed = true;
      if (live.size === 0) process.exit(failed ? 1 : 0);
      return;
    }
    if (!everyoneReady) {
      // its own error is on standard error already
      say(`worker ${n} could not start (${how}); stopping`);
      stopping = true;
      if (live.size === 0) process.exit(1);
      stopAll('SIGTERM');
      return;
    }
    const now = Date.now();
    const recent = (exits.get(n) ?? []).filter((t) => now - t < CRASH_WINDOW_MS);
    recent.push(now);
    exits.set(n, recent);
    if (recent.length >= CRASHES_BEFORE_GIVING_UP) {
      say(`worker ${n} exited ${recent.length} times within ${CRASH_WINDOW_MS / 1000} s (last: ${how}); stopping`);
      stopping = true;
      if (live.size === 0) process.exit(1);
      stopAll('SIGTERM');
      return;
    }
    say(`worker ${n} (pid ${w.process.pid}) exited with ${how}; starting another`);
    fork(n);
  };

  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) {
      // a second signal: the workers exit at once, as `mi start` does on a second signal
      say(`${sig} received again, stopping ${live.size} worker(s) without waiting for the drain`);
      stopAll('SIGTERM');
      return;
    }
    stopping = true;
    say(`${sig} received, draining ${live.size} worker(s)`);
    stopAll('SIGTERM');
    // each worker ends itself by its own deadline; this one covers a worker that cannot
    setTimeout(() => {
      say(`workers still running ${graceMs + 5000} ms after ${sig}; killing them`);
      stopAll('SIGKILL');
      process.exit(1);
    }, graceMs + 5000).unref();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  fork(1);
}
