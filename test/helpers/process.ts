/** Runs `mi start` as a real process on a temporary home, for tests that read its console and log files. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const MI = path.join(ROOT, 'bin', 'mi.js');

export function makeHome(files: Record<string, string>, deployment: Record<string, string> = {}): string {
  const h = mkdtempSync(path.join(os.tmpdir(), 'mi-proc-'));
  mkdirSync(path.join(h, 'deployment'), { recursive: true });
  mkdirSync(path.join(h, 'synapse-configs', 'default'), { recursive: true });
  for (const [rel, text] of Object.entries(deployment)) writeFileSync(path.join(h, 'deployment', rel), text);
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(h, 'synapse-configs', 'default', rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return h;
}

export interface MiProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

let nextOffset = 2000 + (process.pid % 500) * 4;

/** Starts `mi start --home home --offset <free-ish>`, resolves when the ready line appears. */
export function startMi(home: string): Promise<MiProcess> {
  const offset = nextOffset++;
  const child = spawn(process.execPath, [MI, 'start', '--home', home, '--offset', String(offset)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const port = 8280 + offset;
  const handle: MiProcess = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        // a process killed by a signal has no exit code, only a signal code
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      }),
  };
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`mi did not become ready:\n${out}`)), 30000);
    const check = (): void => {
      if (/ready on/.test(out)) {
        clearTimeout(t);
        resolve(handle);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(Object.assign(new Error(`mi exited with ${code}:\n${out}`), { code, output: out }));
    });
  });
}
