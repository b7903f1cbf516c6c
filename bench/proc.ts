/**
 * Process helpers for the bench: CPU time from /proc, port checks, waiting for exits and log lines.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import net from 'node:net';

let clkTck: number | undefined;

/** Clock ticks per second (utime/stime unit in /proc/<pid>/stat). */
export function clockTicks(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface Stat {
  ppid: number;
  ticks: number;
}

function readStat(pid: number): Stat | undefined {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name (field 2) may contain spaces and parentheses: split after the last ')'
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // f[0] = field 3 (state); ppid = field 4, utime = field 14, stime = field 15
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
}

/** ppid and utime+stime of every process, read once. */
export function procSnapshot(): Map<number, Stat> {
  const all = new Map<number, Stat>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readStat(Number(d));
    if (st) all.set(Number(d), st);
  }
  return all;
}

/** A process and all its descendants (a runtime with workers is a tree), from one snapshot. */
export function treePids(rootPid: number, all: Map<number, Stat> = procSnapshot()): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, st] of all) {
    const list = children.get(st.ppid);
    if (list) list.push(pid);
    else children.set(st.ppid, [pid]);
  }
  const tree: number[] = [];
  const stack = all.has(rootPid) ? [rootPid] : [];
  while (stack.length) {
    const pid = stack.pop()!;
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** utime+stime (clock ticks) of a process and all its descendants (all threads included). */
export function treeCpuTicks(rootPid: number, all: Map<number, Stat> = procSnapshot()): number {
  let total = 0;
  for (const pid of treePids(rootPid, all)) total += all.get(pid)!.ticks;
  return total;
}

/** utime+stime+cutime+cstime of this process: itself plus the children it has reaped (finished wrk runs). */
export function selfTicksWithReaped(): number {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** True when nothing accepts connections on 127.0.0.1:port and it can be bound there. */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** Resolves once host:port accepts a TCP connection; rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing is listening on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Waits for a child to exit; true when it did within timeoutMs. */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Waits for a (non-child) pid to disappear. */
export async function waitPidGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** SIGTERM, then SIGKILL after graceMs. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, graceMs))) {
    child.kill('SIGKILL');
    await waitExit(child, 2000);
  }
}

export function readPidFile(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const n = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Last `lines` lines of a text file ('' when unreadable). */
export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function cpuTimes(): { idle: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...
  return { idle: (f[3] ?? 0) + (f[4] ?? 0), total: f.slice(0, 8).reduce((a, b) => a + b, 0) };
}

/** Share (0..1) of all CPUs busy over `ms` milliseconds, from /proc/stat. */
export async function machineBusy(ms = 1000): Promise<number> {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  const total = b.total - a.total;
  return total > 0 ? 1 - (b.idle - a.idle) / total : 0;
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status); NaN when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Open file descriptors of a process (entries of /proc/<pid>/fd: files, sockets, pipes); NaN when unreadable. */
export function openFdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** Resident set size of a process and all its descendants (a runtime with workers is a tree), in bytes. */
export function treeRssBytes(rootPid: number, all: Map<number, Stat> = procSnapshot()): number {
  if (!all.has(rootPid)) return NaN;
  let total = 0;
  for (const pid of treePids(rootPid, all)) {
    const rss = rssBytes(pid);
    if (Number.isFinite(rss)) total += rss;
  }
  return total;
}

/**
 * Runs a load generator (wrk, ab) to its end, pinned to `core` with taskset when given, and resolves with
 * its exit and everything it printed (stdout and stderr together, as its report is read).
 */
export function runPinned(tool: string, toolArgs: string[], o: { core?: number; env?: NodeJS.ProcessEnv; onSpawn?: (child: ChildProcess) => void }): Promise<{ args: string[]; code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const [cmd, args] = o.core === undefined ? [tool, toolArgs] : ['taskset', ['-c', String(o.core), tool, ...toolArgs]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    o.onSpawn?.(child);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ args, code, signal, out }));
  });
}
