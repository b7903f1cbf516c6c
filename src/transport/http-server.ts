/**
 * The mediation listener, on plain node:http: every request goes to dispatch() with its body as the raw
 * stream (never parsed here). Measured on DirectProxy, a fastify catch-all route cost more CPU per request
 * than the whole mediation; fastify stays the choice for the management API, where routing earns its keep.
 * Request/header/keep-alive timeouts are set, oversized bodies are refused from Content-Length up front,
 * and errors become a JSON reply with a code, never a stack trace.
 */
import { QueryParameters } from '../context/query-parameters.js';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type https from 'node:https';
import type { Readable } from 'node:stream';
import type { Runtime } from '../runtime.js';
import type { InboundRequest, Reply } from '../context/message-context.js';
import { fromIncoming } from '../context/transport-headers.js';
import { dispatch } from '../engine/dispatch.js';
import { Errors, type MiError } from '../errors.js';
import { requestUuid } from '../context/request-uuid.js';
import { rememberAuthorization } from '../logging/request-secrets.js';
import { trackAccess, type AccessTally } from '../logging/access-log.js';
import { resolveRequestPath } from './request-path.js';
import { maskReply } from '../logging/reply-masker.js';
import type { SecretMasker } from '../logging/secret-masker.js';
import type { X509Certificate } from 'node:crypto';
import { ClientCertificates } from '../security/tls/client-certificate.js';
import { watchConnection } from '../endpoints/client-abort.js';
import type { TrustStore } from '../security/tls/trust-store.js';
import type { Logger } from '../logging/logger.js';
import { ExtraAcceptHandles } from './accept-handles.js';

export interface Listener {
  readonly port: number;
  /** Accepting connections (false once it closes or its server failed), for the readiness probe. */
  readonly listening: boolean;
  /** The extra accept handles, engaged while the event loop runs long turns; undefined with `[server] accept_handles = 0`. */
  readonly acceptHandles: ExtraAcceptHandles | undefined;
  close(): Promise<void>;
}

const ACCESS_LOGGER = 'org.apache.synapse.transport.http.access';
const LISTENER_LOGGER = 'org.apache.synapse.transport.passthru.PassThroughHttpListener';

/** An error the listener answers itself; its message goes through the secret masker like any log line. */
function jsonError(res: ServerResponse, status: number, code: string, message: string, masker: SecretMasker, tally?: AccessTally): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ code, message: maskReply(masker, message) });
  const length = Buffer.byteLength(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': length });
  if (tally) tally.bytes += length;
  res.end(body);
}

const CLIENT_RESPONSE = Symbol('clientResponse');
const BACKEND_BODY = Symbol('backendBody');
type BackendBody = Readable & { [CLIENT_RESPONSE]?: ServerResponse | undefined };
type ClientResponse = ServerResponse & { [BACKEND_BODY]?: BackendBody | undefined };

/** A backend body failed while it was piped to the client: the answer cannot be completed, so it is cut off. */
function abortClientResponse(this: BackendBody): void {
  this[CLIENT_RESPONSE]?.destroy();
}

/** The client's response closed (sent, or the client left): the backend body lets go of it, and is freed if unread. */
function releaseBackendBody(this: ClientResponse): void {
  const backend = this[BACKEND_BODY];
  if (backend === undefined) return;
  this[BACKEND_BODY] = undefined;
  backend[CLIENT_RESPONSE] = undefined;
  if (!backend.readableEnded) backend.destroy();
}

/** Writes the reply; `tally` (access log) counts the body bytes. */
export function writeReply(res: ServerResponse, reply: Reply, tally?: AccessTally): void {
  const body = reply.body;
  if (body === undefined) {
    res.writeHead(reply.status, reply.headers);
    res.end();
  } else if (Buffer.isBuffer(body)) {
    reply.headers['content-length'] = String(body.length);
    res.writeHead(reply.status, reply.headers);
    if (tally) tally.bytes += body.length;
    res.end(body);
  } else {
    res.writeHead(reply.status, reply.headers);
    // pipe() rather than pipeline(): no end-of-stream bookkeeping per request on the hot path
    const src = body as Readable;
    if (res.destroyed || !res.socket || res.socket.destroyed) {
      // the client left before its answer: free the backend connection now ('close' has already fired);
      // destroying an undici body emits its abort as an error, which nobody else would hear
      src.once('error', () => {});
      src.destroy();
      return;
    }
    if (tally) src.on('data', (c: Buffer) => (tally.bytes += c.length));
    // undici keeps a backend body reachable long after it ended, so what hangs on it must not hold the reply:
    // the response is reached through a field that its 'close' clears, and the listener is one shared
    // function, not a closure per request (held, the response and the request behind it outlived a
    // young-generation collection on every request: +1.3 KB surviving per request, scavenges 30 % longer).
    // The response's own 'close' listener is shared too: `on`, as 'close' comes once (no `once` wrapper).
    const backend = src as BackendBody;
    backend[CLIENT_RESPONSE] = res;
    backend.on('error', abortClientResponse);
    (res as ClientResponse)[BACKEND_BODY] = backend;
    res.on('close', releaseBackendBody);
    src.pipe(res);
  }
}

/**
 * The accept queue asked of the kernel, which caps it at net.core.somaxconn (4096 on current Linux), as
 * Netty's default does. Node's own 511 overflows when 1000 clients connect at once: the connections over it
 * retry their handshake after 1 s, then 3 s, and their first request waits as long (docs/benchmark.md).
 */
const LISTEN_BACKLOG = 65535;

/** Shared by the requests of one listener: once closing, replies ask clients to close their connection. */
export interface ListenerState {
  closing: boolean;
  /** Client CAs for mutual TLS and the forwarded-certificate header; undefined when neither is configured. */
  trust?: TrustStore;
  /** Resolves and verifies the client certificate of a request; present when `trust` is. */
  certificates?: ClientCertificates;
  /**
   * Whether the handshake asks for a client certificate: `verify_client` other than none, or (HTTPS with a
   * trust store) a deployed API or proxy that uses mutual SSL. Changes with deployments.
   */
  askCertificate?: boolean;
}

async function mediate(state: ListenerState, runtime: Runtime, req: IncomingMessage, res: ServerResponse, body: Readable | undefined, protocol: 'http' | 'https', port: number, cert: X509Certificate | undefined, tally: AccessTally | undefined): Promise<void> {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  let path: string;
  try {
    path = resolveRequestPath(q < 0 ? target : target.slice(0, q));
  } catch (err) {
    body?.resume();
    const e = err as MiError;
    jsonError(res, e.status ?? 400, e.code, e.message, runtime.logSecrets, tally);
    return;
  }
  const url = q < 0 ? path : path + target.slice(q);
  const raw = req.headers;
  const cl = raw['content-length'];
  if (cl !== undefined && Number(cl) > runtime.config.server.maxBodySize) {
    body?.resume();
    jsonError(res, 413, Errors.BODY_TOO_LARGE.code, `request body is larger than ${runtime.config.server.maxBodySize} bytes`, runtime.logSecrets, tally);
    return;
  }
  const hasBody = body !== undefined && (cl !== undefined ? cl !== '0' : raw['transfer-encoding'] !== undefined);
  const corrHeader = runtime.config.correlationHeader;
  const given = raw[corrHeader];
  const correlationId = typeof given === 'string' && given !== '' && given.length <= 200 ? given : requestUuid();
  const inbound: InboundRequest = {
    method: req.method ?? 'GET',
    url,
    path,
    queryString: q < 0 ? '' : target.slice(q + 1),
    query: new QueryParameters(q < 0 ? '' : target.slice(q + 1)),
    protocol,
    host: raw.host ?? '',
    remoteAddress: req.socket.remoteAddress ?? '',
    port,
    correlationId,
    clientCertificate: cert,
  };
  // masked where this request's own content is logged, never in other requests' lines
  if (raw.authorization !== undefined) rememberAuthorization(inbound, raw.authorization);
  runtime.inFlight++;
  try {
    const reply = await dispatch(
      runtime,
      inbound,
      fromIncoming(raw),
      hasBody ? body : undefined,
      raw['content-type'],
      cl !== undefined && raw['transfer-encoding'] === undefined ? Number(cl) : undefined,
    );
    reply.headers[corrHeader] = correlationId;
    const server = runtime.config.httpListener.serverHeader;
    // our name, not the backend's: a pass-through reply must not reveal what runs behind us
    if (server) reply.headers['server'] = server;
    else delete reply.headers['server'];
    if (state.closing) reply.headers['connection'] = 'close';
    writeReply(res, reply, tally);
  } catch (err) {
    // dispatch settles faults itself; reaching here is a bug, so answer and log once without secrets
    runtime.logs.get(LISTENER_LOGGER).error(`unhandled error for ${req.method} ${path}: ${(err as Error).message}`);
    jsonError(res, 500, Errors.MEDIATION_ERROR.code, 'internal error', runtime.logSecrets, tally);
  } finally {
    runtime.inFlight--;
  }
}

/**
 * Resolves the client certificate (when mutual TLS or the proxy header is configured), then mediates. Not an
 * async function: without a trust store the request goes straight to mediate() (no frame, no promise that
 * only waits for another).
 */
export function handle(state: ListenerState, runtime: Runtime, req: IncomingMessage, res: ServerResponse, body: Readable | undefined, protocol: 'http' | 'https', port: number): Promise<void> {
  const tally = runtime.config.accessLog ? trackAccess(req, res, runtime.logs.get(ACCESS_LOGGER)) : undefined;
  if (state.certificates) return withCertificate(state, state.certificates, runtime, req, res, body, protocol, port, tally);
  return mediate(state, runtime, req, res, body, protocol, port, undefined, tally);
}

async function withCertificate(state: ListenerState, certificates: ClientCertificates, runtime: Runtime, req: IncomingMessage, res: ServerResponse, body: Readable | undefined, protocol: 'http' | 'https', port: number, tally: AccessTally | undefined): Promise<void> {
  let cert: X509Certificate | undefined;
  try {
    const c = certificates.of(req, protocol === 'https' && state.askCertificate === true);
    // a promise only for a certificate not seen before (its chain is verified once, then cached)
    cert = c instanceof Promise ? await c : c;
  } catch (err) {
    const e = err as MiError;
    body?.resume();
    jsonError(res, e.status ?? 400, e.code, e.message, runtime.logSecrets, tally);
    return;
  }
  return mediate(state, runtime, req, res, body, protocol, port, cert, tally);
}

/** Timeouts and limits shared by the HTTP and HTTPS listeners. */
export function serverOptions(runtime: Runtime): http.ServerOptions {
  const s = runtime.config.server;
  return {
    requestTimeout: s.requestTimeoutMs,
    headersTimeout: s.headersTimeoutMs,
    keepAliveTimeout: s.keepAliveTimeoutMs,
    maxHeaderSize: 64 * 1024,
  };
}

/** The request handler of a listener: the same path for HTTP and HTTPS. */
export function requestHandler(state: ListenerState, runtime: Runtime, protocol: 'http' | 'https', port: number): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // HTTP/0.9 (a request line cut short by CR LF, "GET /x\r\n") has no headers, no Host, no framing: never mediated
    if (req.httpVersionMajor !== 1) {
      req.socket.destroy();
      return;
    }
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    if (hasBody) watchConnection(req.socket); // tells a client that left mid-upload from a failing backend
    void handle(state, runtime, req, res, hasBody ? req : undefined, protocol, port);
  };
}

/** Logger of the client certificate checks, API Manager's. */
export const MUTUAL_SSL_LOGGER = 'org.wso2.carbon.apimgt.gateway.handlers.security.authenticator.MutualSSLAuthenticator';

/** The listener state; with a trust store, the client certificate resolver too. */
export function listenerState(runtime: Runtime, trust: TrustStore | undefined, askCertificate?: boolean): ListenerState {
  const certificates = trust ? new ClientCertificates(runtime.config.httpListener, trust, runtime.logs.get(MUTUAL_SSL_LOGGER)) : undefined;
  return { closing: false, trust, certificates, askCertificate };
}

export async function startHttpListener(runtime: Runtime, port: number, host: string, protocol: 'http' | 'https' = 'http', trust?: TrustStore): Promise<Listener> {
  const state = listenerState(runtime, trust);
  const server = http.createServer(serverOptions(runtime), requestHandler(state, runtime, protocol, port));
  return listen(server, state, port, host, undefined, { handles: runtime.config.server.acceptHandles, log: runtime.logs.get(LISTENER_LOGGER), name: 'HTTP' });
}

/** Extra accept handles of a mediation listener (accept-handles.ts); a failure to add them is logged here. */
export interface AcceptOptions {
  readonly handles: number;
  readonly log: Logger;
  /** The listener, as the warning names it: HTTP or HTTPS. */
  readonly name: string;
  /** How long turns stay short before the extra handles stop listening (accept-handles.ts's default). */
  readonly quietMs?: number;
}

/**
 * Error replies for unparseable requests, listen(), and a close() that drains keep-alive connections. With
 * `accept`, copies of the socket for extra accept handles are fetched in the background (a start does not
 * wait for the helper process).
 */
export async function listen(server: http.Server | https.Server, state: ListenerState, port: number, host: string, onClose?: () => void, accept?: AcceptOptions): Promise<Listener> {
  // a request Node cannot parse (bad request line, oversized headers) gets a JSON 400, never a stack trace
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ code: Errors.BAD_REQUEST.code, message: status === 408 ? 'request timeout' : 'malformed HTTP request' });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, LISTEN_BACKLOG, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const extra =
    accept && accept.handles > 0
      ? new ExtraAcceptHandles(server, {
          count: accept.handles,
          backlog: LISTEN_BACKLOG,
          onFailure: (err) =>
            accept.log.warn(`${Errors.ACCEPT_HANDLES.code}: the ${accept.name} listener on port ${actualPort} accepts one new connection per event-loop turn: its ${accept.handles} extra accept handles could not be had (${err.message}); when busy, it may leave new connections waiting for seconds. Set [server] accept_handles = 0 to not try.`),
          quietMs: accept.quietMs,
        })
      : undefined;
  return {
    port: actualPort,
    get listening() {
      return server.listening && !state.closing;
    },
    acceptHandles: extra,
    close: async () => {
      state.closing = true;
      onClose?.();
      // every handle stops accepting; each close resolves once the connections it accepted have ended
      const own = new Promise<void>((resolve) => server.close(() => resolve()));
      const extras = extra?.close();
      // idle keep-alive connections would hold close() open; busy ones finish and close (Connection: close)
      server.closeIdleConnections();
      await Promise.all([own, extras]);
    },
  };
}
