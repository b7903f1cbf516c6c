/**
 * Runs wrk (1 thread, pinned to one core) with bench/harness/post.lua and parses its text report.
 */
import type { ChildProcess } from 'node:child_process';
import { runPinned } from './proc.js';

export interface WrkResult {
  requests: number;
  rps: number;
  /** Latency percentiles in milliseconds (NaN when wrk printed none). */
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  raw: string;
}

export interface WrkRun {
  url: string;
  bodyFile: string;
  luaScript: string;
  connections: number;
  durationS: number;
  /** CPU core for `taskset -c`; undefined runs wrk unpinned. */
  core?: number;
  /** The Authorization header to send (post.lua reads it from env AUTHORIZATION). */
  authorization?: string;
  /** More headers (post.lua reads them from env EXTRA_HEADERS, one `Name: value` a line). */
  headers?: Record<string, string>;
  /** wrk's --timeout in seconds (its default, 2 s, counts a slower answer as a socket timeout). */
  timeoutS?: number;
  /** Called with the wrk child so the caller can kill it on Ctrl-C. */
  onSpawn?: (child: ChildProcess) => void;
}

/** wrk prints latencies as `123.45us`, `1.20ms`, `2.00s`, `1.00m`. */
export function latencyToMs(s: string | undefined): number {
  if (!s) return NaN;
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(s.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  switch (m[2]) {
    case 'us':
      return v / 1000;
    case 'ms':
      return v;
    case 's':
      return v * 1000;
    case 'm':
      return v * 60_000;
    default:
      return v * 3_600_000;
  }
}

export function parseWrk(out: string): WrkResult {
  const requests = Number(/^\s*(\d+) requests in /m.exec(out)?.[1] ?? 0);
  const rps = Number(/^Requests\/sec:\s*([\d.]+)/m.exec(out)?.[1] ?? 0);
  const p50Ms = latencyToMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1]);
  const p99Ms = latencyToMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s*(\d+)/.exec(out)?.[1] ?? 0);
  const se = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests,
    rps,
    p50Ms,
    p99Ms,
    non2xx,
    socketErrors: {
      connect: Number(se?.[1] ?? 0),
      read: Number(se?.[2] ?? 0),
      write: Number(se?.[3] ?? 0),
      timeout: Number(se?.[4] ?? 0),
    },
    raw: out,
  };
}

/** Compact error summary: "" when clean, else e.g. "non2xx=12 read=3". */
export function errorSummary(r: WrkResult): string {
  const parts: string[] = [];
  if (r.non2xx) parts.push(`non2xx=${r.non2xx}`);
  for (const [k, v] of Object.entries(r.socketErrors)) if (v) parts.push(`${k}=${v}`);
  return parts.join(' ');
}

export function runWrk(o: WrkRun): Promise<WrkResult> {
  const wrkArgs = ['-t1', `-c${o.connections}`, `-d${o.durationS}s`, '--latency', ...(o.timeoutS ? ['--timeout', `${o.timeoutS}s`] : []), '-s', o.luaScript, o.url];
  const env = { ...process.env, BODY_FILE: o.bodyFile, AUTHORIZATION: o.authorization ?? '', EXTRA_HEADERS: Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n') };
  return runPinned('wrk', wrkArgs, { core: o.core, env, onSpawn: o.onSpawn }).then(({ args, code, signal, out }) => {
    if (code !== 0 || !/requests in/.test(out)) throw new Error(`wrk ${args.join(' ')} failed (exit ${code ?? signal}):\n${out.trim()}`);
    return parseWrk(out);
  });
}
