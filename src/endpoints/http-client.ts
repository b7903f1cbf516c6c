/**
 * Sends a message over HTTP with undici. One HttpClient per leaf endpoint; the keep-alive connections are
 * the runtime's, shared per host:port by every endpoint (backend-pools.ts). sendHttp() turns the message
 * into a request (method, URL, transport headers, the serialized body: an untouched request stream is
 * piped, never buffered) and the answer into the response message. The response body stays an unread
 * undici stream inside the Payload, so a pass-through response streams back to the client; whoever needs
 * the content loads it.
 */
import type { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { becomeResponse, type MessageContext } from '../context/message-context.js';
import { Payload } from '../context/payload.js';
import { serializeMessage } from '../context/serialize.js';
import { fromIncoming, headerString, toOutgoing } from '../context/transport-headers.js';
import { MAX_CONNECT_TIMEOUT_MS } from './backend-pools.js';
import { toEndpointError, type FailureContext } from './client-errors.js';
import type { EndpointError } from './endpoint.js';
import { isTrue } from '../context/truthy.js';
import { clientAborted, clientSocket, clientWentAway } from './client-abort.js';
import { ENDPOINT_LOGGER } from './endpoint-state.js';
import { requestTarget, safeUrl, type RequestTarget } from './urls.js';

export interface HttpSendOptions {
  /** Absolute http(s) URL of the target, REST_URL_POSTFIX already applied. */
  url: string;
  /** The endpoint's configured method (http endpoint `method`, address format="get"); HTTP_METHOD wins. */
  method?: string;
  /** Response timeout: time allowed for the response head, and between response body chunks. */
  timeoutMs: number;
  /** What error messages show instead of `url` (the template, when the URL holds resolved secrets). */
  displayUrl?: string;
  /** responseAction="discard": the timeout error is marked as a discarded response. */
  discardOnTimeout?: boolean;
  /** Told how the delivery ended (the endpoint's suspension state), before the caller hears of it. */
  outcome?: DeliveryOutcome;
}

/** What a leaf endpoint learns of each delivery: done here, so no async frame wraps the send to learn it. */
export interface DeliveryOutcome {
  delivered(mc: MessageContext): void;
  failed(err: EndpointError, mc: MessageContext): void;
}

/** HTTP_METHOD (axis2) if a mediator set it, else the endpoint's method, else the client's method. */
export function outgoingMethod(mc: MessageContext, configured: string | undefined): string {
  const m = mc.axis2.get('HTTP_METHOD');
  if (typeof m === 'string' && m !== '') return m.toUpperCase();
  return (configured ?? mc.inbound.method).toUpperCase();
}

export class HttpClient {
  private readonly connectTimeoutMs: number;

  constructor(connectTimeoutMs = MAX_CONNECT_TIMEOUT_MS) {
    this.connectTimeoutMs = Math.min(connectTimeoutMs, MAX_CONNECT_TIMEOUT_MS);
  }

  /** URLs parsed once per distinct address (an endpoint sends to few): origin, path and a credential-free href. */
  private readonly targets = new Map<string, RequestTarget>();
  private target(url: string): RequestTarget {
    let t = this.targets.get(url);
    if (!t) {
      t = requestTarget(url);
      if (this.targets.size > 1000) this.targets.clear();
      this.targets.set(url, t);
    }
    return t;
  }

  /** Sends the message and turns it into the response. Throws EndpointError on transport failures only. */
  async sendHttp(mc: MessageContext, opts: HttpSendOptions): Promise<void> {
    const at: FailureContext = { url: opts.displayUrl ?? opts.url, timeoutMs: opts.timeoutMs, discard: opts.discardOnTimeout };
    let client: Socket | undefined;
    let clientDestroyed = false;
    try {
      const target = this.target(opts.url);
      const method = outgoingMethod(mc, opts.method);
      const { headers, body } = needsLoad(mc, method) ? await loadedEntity(mc, method) : outgoingEntity(mc, method);
      client = clientSocket(body);
      clientDestroyed = client?.destroyed === true;
      // POST_TO_URI: absolute URI in the request line (sending through an HTTP proxy); userinfo never leaves
      const path = isTrue(mc.axis2.get('POST_TO_URI')) ? target.href : target.path;
      // undici's own timers: native below 1 s, about 0.5 s resolution above. A per-request AbortController
      // would be more precise but costs several percent of the CPU of a pass-through request.
      const res: Dispatcher.ResponseData = await mc.runtime.backends.pool(target.origin, this.connectTimeoutMs).request({
        path,
        method,
        headers,
        body,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
        reset: isTrue(mc.axis2.get('NO_KEEPALIVE')),
      });
      const rh = fromIncoming(res.headers as Record<string, string | string[] | undefined>);
      // the headers are in: from here on a failure is one of the response body (no copy per request)
      at.inBody = true;
      let resBody: Readable | undefined = mapBodyErrors(res.body, at);
      if (method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304 || res.headers['content-length'] === '0') {
        // nothing to stream: free the connection now
        res.body.dump().catch(() => {});
        resBody = undefined;
      }
      const cl = res.headers['content-length'];
      const length = typeof cl === 'string' && res.headers['transfer-encoding'] === undefined ? Number(cl) : undefined;
      const payload = new Payload(headerString(rh.get('content-type')), resBody, mc.runtime.payloadLimits, length);
      becomeResponse(mc, res.statusCode, rh, payload);
    } catch (err) {
      if (clientWentAway(client, clientDestroyed)) {
        mc.runtime.logs.get(ENDPOINT_LOGGER).warn(`Client closed the connection while its request was being sent to ${safeUrl(at.url)}; not counted as an endpoint failure`);
        throw clientAborted(safeUrl(at.url), err);
      }
      const failure = toEndpointError(err, at);
      opts.outcome?.failed(failure, mc);
      throw failure;
    }
    opts.outcome?.delivered(mc);
  }
}

/**
 * Errors while the response body streams (backend closed the connection, body timeout) reach whoever reads
 * the payload later; they carry Synapse's code for the RESPONSE_BODY state too, not an undici error.
 */
function mapBodyErrors(body: Readable, at: FailureContext): Readable {
  const b = body as MappedBody;
  // one shared function, the failure context on the body: no closure per response
  b[BODY_FAILURE] = at;
  b[BODY_DESTROY] = body._destroy;
  b._destroy = destroyWithEndpointError;
  return body;
}

const BODY_FAILURE = Symbol('bodyFailure');
const BODY_DESTROY = Symbol('bodyDestroy');
type MappedBody = Readable & { [BODY_FAILURE]: FailureContext; [BODY_DESTROY]: Readable['_destroy'] };

function destroyWithEndpointError(this: MappedBody, err: Error | null, callback: (error?: Error | null) => void): void {
  this[BODY_DESTROY].call(this, err ? toEndpointError(err, this[BODY_FAILURE]) : err, callback);
}

/** A format change (messageType) or DISABLE_CHUNKING (Content-Length) needs the bytes in memory first. */
function needsLoad(mc: MessageContext, method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && !mc.payload.isReady && (mc.axis2.get('messageType') !== undefined || isTrue(mc.axis2.get('DISABLE_CHUNKING')));
}

async function loadedEntity(mc: MessageContext, method: string): Promise<{ headers: Record<string, string | string[]>; body: Buffer | Readable | undefined }> {
  await mc.payload.load();
  return outgoingEntity(mc, method);
}

/** Request headers and body from the message. GET and HEAD never carry a body; an empty DELETE has none. */
function outgoingEntity(mc: MessageContext, method: string): { headers: Record<string, string | string[]>; body: Buffer | Readable | undefined } {
  const headers = toOutgoing(mc.headers);
  delete headers['content-type'];
  const caller = mc.caller;
  // the backend JWT set at admission, again after a <call> replaced the request's headers with a response's
  if (caller?.backendJwt !== undefined && mc.headers !== mc.backendJwtHeaders) headers[caller.backendJwtHeader!] ??= caller.backendJwt;
  if (method === 'GET' || method === 'HEAD') return { headers, body: undefined };
  const wire = serializeMessage(mc);
  let body = wire.body;
  if (Buffer.isBuffer(body) && body.length === 0 && method === 'DELETE') body = undefined;
  if (body !== undefined && wire.contentType) headers['content-type'] = wire.contentType;
  // an untouched streamed body keeps the length its sender declared: no chunked re-framing
  if (wire.length !== undefined && body !== undefined && !Buffer.isBuffer(body)) headers['content-length'] = String(wire.length);
  if (body !== undefined && mc.soapAction) withAction(headers, mc.soapAction);
  return { headers, body };
}

/**
 * The message's current Action goes out as Axis2 writes it (TargetRequest, SOAPMessageFormatter): for SOAP
 * 1.1 it replaces any SOAPAction header (the client's, or one set in transport scope), quoted unless it
 * already starts with a quote; for SOAP 1.2 it is the `action` parameter of the Content-Type.
 */
function withAction(headers: Record<string, string | string[]>, action: string): void {
  const ct = headers['content-type'];
  if (typeof ct !== 'string') return;
  if (/^\s*text\/xml\b/i.test(ct)) headers['soapaction'] = quotedAction(action);
  else if (/^\s*application\/soap\+xml\b/i.test(ct)) {
    const bare = ct.replace(/;\s*action\s*=\s*("[^"]*"|[^;]*)/i, '');
    headers['content-type'] = `${bare}; action="${action}"`;
  }
}

/** The last action quoted, kept: clients of one proxy send the same action on every request. */
let lastAction = '';
let lastQuoted = '""';
function quotedAction(action: string): string {
  if (action.startsWith('"')) return action;
  if (action !== lastAction) {
    lastAction = action;
    lastQuoted = `"${action}"`;
  }
  return lastQuoted;
}
