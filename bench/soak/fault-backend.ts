/**
 * The soak's backend: a node:http echo whose behaviour is switched at run time, to inject the faults a
 * real backend has (slow answers, 500s, a refused connection, a reset in the middle of a response).
 * It also tells the client when something reached it that a proxy should have stopped: a header named by
 * the client's Connection header or Proxy-Authorization (answered with `x-soak-hop-leaked`), or a path that
 * left the endpoint's base path `/echo` or still holds dot segments (`x-soak-path-escaped`): a client's
 * `../` must never take a request to another path of the backend.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type BackendMode = 'normal' | 'slow' | 'error500' | 'refused' | 'reset';

/** The request header a hop-by-hop attack names in its Connection header; a backend must never see it. */
export const HOP_HEADER = 'x-soak-hop';
/** A hop-by-hop header of the backend's response (named in its Connection header); a client must never see it. */
export const BACK_HOP_HEADER = 'x-soak-back-hop';

/** The path of the endpoint address (home.ts); proxies append the client's path below it. */
export const BACKEND_BASE_PATH = '/echo';
/** A dot segment, plain or percent-encoded, as a whole path segment. */
const DOT_SEGMENT = /(^|\/)(\.|%2e){2}(\/|\?|$)/i;

function escapesBase(url: string): boolean {
  const p = url.split('?')[0]!;
  return DOT_SEGMENT.test(p) || !(p === BACKEND_BASE_PATH || p.startsWith(`${BACKEND_BASE_PATH}/`));
}

export interface BackendCounters {
  requests: number;
  /** Requests that carried HOP_HEADER: the runtime forwarded a header its client declared hop-by-hop. */
  hopLeaks: number;
  /** Requests whose path still had `..` or `%2e%2e` after the runtime. */
  /** Requests whose path left BACKEND_BASE_PATH or kept dot segments. */
  escapedPaths: number;
  resets: number;
}

export class FaultBackend {
  mode: BackendMode = 'normal';
  readonly counters: BackendCounters = { requests: 0, hopLeaks: 0, escapedPaths: 0, resets: 0 };
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private listening = false;

  constructor(
    readonly port: number,
    private readonly slowMs: number,
  ) {
    this.server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    // a client (the runtime) that goes away mid-request is not the backend's problem
    this.server.on('clientError', (_e, s) => s.destroy());
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.listening = true;
        resolve();
      });
    });
  }

  /** Switches the behaviour; `refused` closes the listener and every open connection until the next switch. */
  async setMode(mode: BackendMode): Promise<void> {
    if (mode === 'refused' && this.listening) {
      this.listening = false;
      const closed = new Promise<void>((r) => this.server.close(() => r()));
      for (const s of this.sockets) s.destroy();
      await closed;
    } else if (mode !== 'refused' && !this.listening) {
      await this.start();
    }
    this.mode = mode;
  }

  async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.counters.requests++;
    const hop = req.headers[HOP_HEADER] !== undefined || req.headers['proxy-authorization'] !== undefined;
    if (hop) this.counters.hopLeaks++;
    const escaped = escapesBase(req.url ?? '/');
    if (escaped) this.counters.escapedPaths++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const mode = this.mode;
      if (mode === 'slow') setTimeout(() => this.echo(req, res, body, hop, escaped), this.slowMs);
      else if (mode === 'error500') this.fail(req, res);
      else if (mode === 'reset') this.reset(req, res, body);
      else this.echo(req, res, body, hop, escaped);
    });
  }

  private echo(req: IncomingMessage, res: ServerResponse, body: Buffer, hop: boolean, escaped: boolean): void {
    if (res.destroyed) return;
    const headers: http.OutgoingHttpHeaders = {
      'content-type': req.headers['content-type'] ?? 'application/octet-stream',
      'content-length': body.length,
    };
    if (hop) headers['x-soak-hop-leaked'] = '1';
    if (escaped) headers['x-soak-path-escaped'] = encodeURIComponent(req.url ?? '').slice(0, 200);
    // every response to a hop-by-hop attack carries one of its own, which the runtime must drop
    if (req.headers['connection']?.toLowerCase().includes(HOP_HEADER)) {
      headers['connection'] = `keep-alive, ${BACK_HOP_HEADER}`;
      headers[BACK_HOP_HEADER] = 'must-not-reach-the-client';
    }
    res.writeHead(200, headers);
    res.end(body);
  }

  private fail(req: IncomingMessage, res: ServerResponse): void {
    const json = (req.headers['content-type'] ?? '').includes('json');
    const body = json
      ? '{"error":"injected backend failure"}'
      : '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>injected backend failure</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>';
    res.writeHead(500, { 'content-type': json ? 'application/json' : 'text/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  /** Headers and half the body, then a TCP reset. */
  private reset(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    this.counters.resets++;
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream', 'content-length': Math.max(body.length, 2) });
    res.write(body.subarray(0, Math.max(1, body.length >> 1)), () => {
      const s = res.socket;
      if (s && !s.destroyed) s.resetAndDestroy();
    });
  }
}
