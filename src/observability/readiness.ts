/**
 * Readiness, as Micro Integrator's `/healthz` (ReadinessResource) answers it, widened to what this runtime
 * needs to serve: not ready while starting (artifacts not deployed, listeners not up) and while stopping;
 * after that, ready only while every artifact file deployed, the user store's database and every datasource
 * in use answer a query, and every listener is up.
 *
 *   200 {"version":"0.1.0","status":"ready"}
 *   500 {"version":"0.1.0","status":"not ready, faulty artifacts detected","Faulty artifacts":["synapse-configs/default/api/Bad.xml"],
 *        "checks":{"deployment":"ok","user store":"unreachable (ECONNREFUSED)","listener http":"ok"}}
 *
 * 500 is Micro Integrator's status for "not ready". Database checks are bounded (2 s) and shared by
 * concurrent probes; a problem's text is its error code only, never a host, user or password (the port
 * has no authentication). A change of state is logged once, not at every probe.
 */
import { Errors } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { productVersion } from './product-version.js';

export const READINESS_LOGGER = 'org.wso2.micro.integrator.probes.ReadinessResource';
const CHECK_TIMEOUT_MS = 2000;

export interface ProbeReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface ReadinessSources {
  /** Artifact files (relative to the home) that did not deploy. */
  faultyArtifacts(): readonly string[];
  /** The databases in use: the user store's and every datasource opened so far. */
  databases(): readonly { readonly name: string; ping(): Promise<unknown> }[];
  listeners(): readonly { readonly name: string; readonly up: boolean }[];
}

type Phase = 'starting' | 'serving' | 'stopping';

export class Readiness {
  private phase: Phase = 'starting';
  private sources: ReadinessSources | undefined;
  private running: Promise<ProbeReply> | undefined;
  private lastStatus = '';

  constructor(private readonly log: Logger) {}

  /** Startup is over: artifacts deployed, listeners up. */
  serving(sources: ReadinessSources): void {
    this.sources = sources;
    this.phase = 'serving';
  }

  /** Shutdown began: not ready from now on, so load balancers stop sending before the listeners close. */
  stopping(): void {
    this.phase = 'stopping';
  }

  /** Probes that arrive while one is being answered share its answer. */
  report(): Promise<ProbeReply> {
    return (this.running ??= this.check().finally(() => (this.running = undefined)));
  }

  private async check(): Promise<ProbeReply> {
    const version = productVersion();
    const sources = this.sources;
    if (this.phase !== 'serving' || !sources) {
      const status = `not ready, ${this.phase === 'starting' ? 'starting' : 'stopping'}`;
      return { status: 500, body: { version, status, checks: { deployment: this.phase } } };
    }
    const checks: Record<string, string> = {};
    const reasons: string[] = [];
    const faulty = sources.faultyArtifacts();
    checks['deployment'] = faulty.length ? 'faulty artifacts' : 'ok';
    if (faulty.length) reasons.push('faulty artifacts detected');
    const dbs = sources.databases();
    const results = await Promise.all(dbs.map((d) => bounded(d.ping())));
    dbs.forEach((d, i) => {
      checks[d.name] = results[i]!;
      if (results[i] !== 'ok') reasons.push(`${d.name} ${results[i]}`);
    });
    for (const l of sources.listeners()) {
      checks[`listener ${l.name}`] = l.up ? 'ok' : 'down';
      if (!l.up) reasons.push(`listener ${l.name} down`);
    }
    const ready = reasons.length === 0;
    const status = ready ? 'ready' : `not ready, ${reasons.join(', ')}`;
    this.logChange(status);
    if (ready) return { status: 200, body: { version, status } };
    const body: Record<string, unknown> = { version, status };
    if (faulty.length) body['Faulty artifacts'] = faulty;
    body['checks'] = checks;
    return { status: 500, body };
  }

  private logChange(status: string): void {
    if (status === this.lastStatus) return;
    const first = this.lastStatus === '';
    this.lastStatus = status;
    if (status === 'ready') {
      if (!first) this.log.info('the server is ready again');
    } else {
      this.log.warn(`${Errors.OPS_NOT_READY.code}  the server is ${status}`);
    }
  }
}

/** 'ok', or why not in a few words: the error's code, never its message (it may name hosts or users). */
async function bounded(p: Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('unreachable (no answer within 2 s)'), CHECK_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([
      p.then(
        () => 'ok',
        (err: unknown) => {
          const code = (err as { code?: unknown } | null)?.code;
          return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? `unreachable (${code})` : 'unreachable';
        },
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
