/**
 * Micro Integrator's internal HTTP API (9191 + offset, plain HTTP, no authentication, as in MI): the
 * Kubernetes probes and the Prometheus scrape.
 *
 *   GET /healthz                   readiness (src/observability/readiness.ts): 200 ready, 500 not ready
 *   GET /liveness                  200 {"server":"started"}
 *   GET /metric-service/metrics    Prometheus text format, when [metrics] enable = true
 *
 * It starts before the databases are opened and the artifacts deployed, so liveness answers during a slow
 * start while readiness says "starting", and it closes last on shutdown.
 */
import http from 'node:http';
import { Errors, type ErrorSpec } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { liveness } from '../observability/liveness.js';
import type { Metrics } from '../observability/metrics.js';
import type { ProbeReply, Readiness } from '../observability/readiness.js';
import { listen, type Listener, type ListenerState } from './http-server.js';

export const INTERNAL_API_LOGGER = 'org.wso2.carbon.inbound.endpoint.internal.http.api.InternalAPIDispatcher';
const METRICS_PATH = '/metric-service/metrics';

export interface InternalApiOptions {
  readonly readiness: Readiness;
  /** Undefined when [metrics] enable = false: the path answers 404. */
  readonly metrics: Metrics | undefined;
  readonly log: Logger;
}

export async function startInternalApi(port: number, host: string, opts: InternalApiOptions): Promise<Listener> {
  const state: ListenerState = { closing: false };
  const server = http.createServer({ requestTimeout: 10_000, headersTimeout: 10_000, keepAliveTimeout: 5_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
    void answer(req, res, opts);
  });
  return listen(server, state, port, host);
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse, opts: InternalApiOptions): Promise<void> {
  req.resume(); // a body, if any, is not read
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const path = (q < 0 ? target : target.slice(0, q)).replace(/(.)\/$/, '$1');
  const known = path === '/healthz' || path === '/liveness' || (path === METRICS_PATH && opts.metrics !== undefined);
  if (!known) return error(res, Errors.OPS_NOT_FOUND, `no internal API resource ${path}`);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return error(res, Errors.OPS_METHOD, `${req.method ?? ''} ${path}: use GET`);
  }
  if (path === '/liveness') return json(res, liveness());
  if (path === '/healthz') return json(res, await opts.readiness.report());
  try {
    const text = await opts.metrics!.text();
    send(res, 200, opts.metrics!.contentType, text);
  } catch (err) {
    opts.log.error(`${Errors.OPS_METRICS_FAILED.code}  the metrics could not be written: ${(err as Error).message}`);
    error(res, Errors.OPS_METRICS_FAILED, 'the metrics could not be written');
  }
}

function json(res: http.ServerResponse, reply: ProbeReply): void {
  send(res, reply.status, 'application/json', JSON.stringify(reply.body));
}

function error(res: http.ServerResponse, spec: ErrorSpec, message: string): void {
  send(res, spec.status ?? 500, 'application/json', JSON.stringify({ code: spec.code, message }));
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  // probes and scrapes must see the current state, never a cached one
  res.writeHead(status, { 'content-type': type, 'content-length': bytes.length, 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}
