/**
 * Runs ApacheBench (`ab`, Debian's apache2-utils) pinned to one core, as wrk is, and parses its report.
 * The security group needs it where wrk cannot go: a TLS client certificate (`-E`). Both sides of a ratio
 * measured with ab are run with ab, so the client is the same.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { runPinned } from './proc.js';

export interface AbResult {
  /** Completed requests (failed ones included, as ab counts them). */
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** ab's "Failed requests" (connect, receive, length, exceptions) plus its "Non-2xx responses". */
  failed: number;
  errors: string;
  raw: string;
}

export interface AbRun {
  url: string;
  bodyFile: string;
  connections: number;
  durationS: number;
  /** A PEM file holding the client certificate and its key (`ab -E`). */
  clientCert?: string;
  /** CPU core for `taskset -c`; undefined runs ab unpinned. */
  core?: number;
  /** The request headers, Content-Type among them (sent with -T, the others with -H). */
  headers: Record<string, string>;
  onSpawn?: (child: ChildProcess) => void;
}

/** Whether `ab` is on PATH (the security group's HTTPS checks are SKIP without it). */
export function haveAb(): boolean {
  try {
    execFileSync('ab', ['-V'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

export const AB_MISSING = 'ab not found on PATH (Debian/Ubuntu: apt-get install -y apache2-utils)';

export function parseAb(out: string): AbResult {
  const n = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const requests = n(/^Complete requests:\s+(\d+)/m);
  const failedLine = /^Failed requests:\s+(\d+)(?:\s*\n\s*\(([^)]*)\))?/m.exec(out);
  const failed = Number(failedLine?.[1] ?? NaN);
  const non2xx = n(/^Non-2xx responses:\s+(\d+)/m);
  const parts: string[] = [];
  if (failed > 0) parts.push(`failed=${failed}${failedLine?.[2] ? ` (${failedLine[2].replace(/\s+/g, ' ').trim()})` : ''}`);
  if (non2xx > 0) parts.push(`non2xx=${non2xx}`);
  // a connection the server closed is opened again (a new TLS handshake): shown, not failed
  const keepAlive = n(/^Keep-Alive requests:\s+(\d+)/m);
  if (Number.isFinite(keepAlive) && keepAlive < requests) parts.push(`keep-alive ${keepAlive} of ${requests}`);
  return {
    requests: Number.isFinite(requests) ? requests : 0,
    rps: n(/^Requests per second:\s+([\d.]+)/m),
    p50Ms: n(/^\s+50%\s+(\d+)/m),
    p99Ms: n(/^\s+99%\s+(\d+)/m),
    failed: (Number.isFinite(failed) ? failed : 0) + (Number.isFinite(non2xx) ? non2xx : 0),
    errors: parts.join(' '),
    raw: out,
  };
}

export function runAb(o: AbRun): Promise<AbResult> {
  const headers = o.headers;
  const abArgs = [
    '-k',
    '-q',
    `-c${o.connections}`,
    // -t alone caps a run at 50000 requests: -n after it lifts the cap, the time limit ends the run
    '-t', String(o.durationS),
    '-n', '100000000',
    '-p', o.bodyFile,
    '-T', headers['Content-Type'] ?? 'text/xml',
    ...Object.entries(headers).filter(([k]) => k !== 'Content-Type').flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    ...(o.clientCert ? ['-E', o.clientCert] : []),
    o.url,
  ];
  return runPinned('ab', abArgs, { core: o.core, onSpawn: o.onSpawn }).then(({ args, code, signal, out }) => {
    if (code !== 0 || !/^Complete requests:/m.test(out)) throw new Error(`ab ${args.join(' ')} failed (exit ${code ?? signal}):\n${out.trim().split('\n').slice(-15).join('\n')}`);
    return parseAb(out);
  });
}
