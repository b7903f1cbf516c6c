/**
 * The measuring loop every group uses: check each target once (a baseline that fails stops the bench, a
 * runtime scenario that fails is BROKEN and not measured), warm each up, then for each repeat, size and
 * connection count run one cell per target, targets interleaved so slow drifts of the machine hit all alike.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { brokenRow, measure, warmup } from './cells.js';
import { S } from './settings.js';
import { sanity, type Stack, type Sut } from './stack.js';
import { info } from './teardown.js';

export interface Target {
  scenario: string;
  sut: Sut;
  backend: string;
  /** The request file at a size. */
  body: (size: number) => string;
  authorization?: string;
  /** More request headers. */
  headers?: Record<string, string>;
  /** Loaded with ab instead of wrk, with this client certificate (PEM of certificate and key) if any. */
  ab?: { clientCert?: string };
  /** The runtime serving it: a target whose process exited is BROKEN, not a baseline failure. */
  runtime?: ChildProcess;
}

/** Scenario (with its target and backend) -> why it is broken; shared by all groups for the exit status. */
export const broken = new Map<string, string>();
export const targetKey = (t: { scenario: string; sut: { target: string }; backend: string }): string => `${t.scenario} (${t.sut.target}, ${t.backend} echo)`;

export interface Grid {
  group: string;
  sizes: number[];
  concs: number[];
  repeats?: number;
  /** Seconds per cell (DURATION when not given). */
  durationS?: number;
  /** wrk's --timeout in seconds. */
  timeoutS?: number;
}

export async function interleave(stack: Stack, g: Grid, targets: Target[]): Promise<void> {
  const first = g.sizes[0]!;
  for (const t of targets) {
    const c = await sanity(t.sut.url, readFileSync(t.body(first), 'utf8'), t.authorization, { headers: t.headers, clientCert: t.ab?.clientCert });
    if (c.ok) continue;
    if (!t.runtime) throw new Error(`${t.sut.target} (${t.sut.url}) is not working: ${c.detail}`);
    broken.set(targetKey(t), c.detail);
    info(`SANITY FAILED ${t.scenario} POST ${t.sut.url}: ${c.detail}`);
  }
  const warmConc = Math.max(...g.concs);
  for (const t of targets) if (!broken.has(targetKey(t))) await warmup(stack, t.sut, `${g.group} ${t.sut.target} ${t.scenario}`, t.body(first), warmConc, { authorization: t.authorization, headers: t.headers, ab: t.ab });

  const repeats = g.repeats ?? S.repeats;
  for (let rep = 1; rep <= repeats; rep++) {
    for (const size of g.sizes) {
      for (const conc of g.concs) {
        for (const t of targets) {
          const spec = { group: g.group, repeat: rep, scenario: t.scenario, backend: t.backend, size, conc, target: t.sut.target };
          const key = targetKey(t);
          if (t.runtime && (t.runtime.exitCode !== null || t.runtime.signalCode !== null)) {
            broken.set(key, `runtime process exited (${t.runtime.exitCode ?? t.runtime.signalCode})`);
          }
          if (broken.has(key)) {
            brokenRow(spec, broken.get(key)!);
            continue;
          }
          if (size !== first) {
            const c = await sanity(t.sut.url, readFileSync(t.body(size), 'utf8'), t.authorization, { headers: t.headers, clientCert: t.ab?.clientCert });
            if (!c.ok) {
              if (!t.runtime) throw new Error(`${t.sut.target} (${t.sut.url}) is not working at ${size} B: ${c.detail}`);
              broken.set(key, c.detail);
              brokenRow(spec, c.detail);
              continue;
            }
          }
          await measure(stack, { ...spec, sut: t.sut, body: t.body(size), authorization: t.authorization, headers: t.headers, ab: t.ab, timeoutS: g.timeoutS, durationS: g.durationS });
        }
      }
    }
  }
}
