/**
 * The message flowing through mediation: scoped properties, transport headers, the lazy payload, the fault
 * stack and the reply. One object carries a request through the in-flow and, after an endpoint answers, the
 * response through the out-flow (the default-scope properties stay, as Synapse copies them over).
 */
import type { QueryParameters } from './query-parameters.js';
import type { X509Certificate } from 'node:crypto';
import { requestUuid } from './request-uuid.js';
import { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { ApiInfo, MessageContext as PublicMessageContext, ResourceInfo } from './handler-contract.js';
import type * as R from './message-runtime.js';
import { Payload } from './payload.js';
import { stringifyJson } from '../json/json-number.js';
import type { PropertyScope } from './property-scope.js';
import type { ExchangeScope } from './exchange-scope.js';
import type { TransportHeaders, HeaderValue } from './transport-headers.js';
import type { Addressing } from './addressing-fields.js';
import type { RequestTrace } from './request-trace.js';
import type { Caller } from './caller.js';

export type { PropertyScope } from './property-scope.js';
export { WRITE_SCOPES } from './property-scope.js';

/** The runtime as a message sees it (src/runtime.ts implements it). */
export type MessageRuntime = R.MessageRuntime<MessageContext>;
export type FaultHandler = R.FaultHandler<MessageContext>;
export type Step = R.Step<MessageContext>;
export type Deliverable = R.Deliverable<MessageContext>;

/**
 * What mediators ask of the exchange that carries the message (src/engine/exchange.ts owns the phases;
 * mediators only ask).
 */
export interface ExchangeControl {
  /** The API and resource that matched; undefined on proxies and the main sequence. */
  readonly api: ApiInfo | undefined;
  readonly resource: ResourceInfo | undefined;
  /** send: hands the message to the endpoint; the out-flow (or `receive`) runs when it answers. */
  send(endpoint: Deliverable, receive: Step | undefined): void;
  /**
   * call: request-out hooks, the endpoint, response-in hooks, then back to the caller with the response.
   * False when a hook stopped the flow (the reply is set).
   */
  call(endpoint: Deliverable): Promise<boolean>;
  /**
   * callout: the same request-out hooks, endpoint and response-in hooks as call, for a separate message `out`
   * (a copy the mediator made), which becomes the response; the message of the flow is left as it is. False
   * when a hook stopped (out.reply is set).
   */
  callFor(endpoint: Deliverable, out: MessageContext): Promise<boolean>;
  /** loopback: ends the in-flow; the out-flow runs next with the current message. */
  loopback(): void;
  /** Runs `fn` once the exchange has ended (the reply is decided). */
  onEnd(fn: () => void): void;
  /**
   * A copy of `mc` carrying `payload`, for a split branch (iterate, clone, an aggregated message): its own
   * properties, headers and fault stack, and its own flow in this exchange (send, call, out-sequence, faults).
   * Its reply, if it makes one, answers the client; the first reply wins.
   */
  branch(mc: MessageContext, payload: Payload): MessageContext;
  /**
   * Runs `step` as the flow of a branch made by branch(): its sends and their out-flow (the default reply
   * when the out-sequence runs to its end), a fault through its own fault stack. With a gate, the whole
   * branch (its backend calls included) holds a place in it. Resolves with the step's result (false after a
   * fault); never rejects. The exchange counts the branch as running from this call, and waits for it.
   */
  runBranch(mc: MessageContext, step: Step, gate?: BranchGate): Promise<boolean>;
  /** Whether a flow run by runBranch() for `mc` made a call (its answer resumes the enclosing sequence, as MI's continuation). */
  madeCall(mc: MessageContext): boolean;
  /** State shared by every message of the client's exchange, dropped when it ends. */
  readonly scope: ExchangeScope;
}

/** Bounds how many branches of one split run at once (mediators/split-limits.ts). */
export interface BranchGate {
  enter(): Promise<void> | undefined;
  leave(): void;
}

/** What the client sent, as the listener saw it. */
export interface InboundRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  path: string;
  /** The query string without '?', as received. */
  queryString: string;
  /** The same, parsed on first use (what handlers see as `mc.inbound.query`). */
  query: QueryParameters;
  protocol: 'http' | 'https';
  host: string;
  remoteAddress: string;
  port: number;
  /** Set by the listener: the `activityid` header or a new UUID. */
  correlationId?: string;
  /** The client's certificate, set by an HTTPS listener that requested one. */
  clientCertificate?: X509Certificate;
}

/** Where the message entered: names used in log prefixes and by statistics. */
export interface EntryPoint {
  kind: 'proxy' | 'api' | 'main';
  name: string;
  /** `{proxy:Name} ` / `{api:Name} ` / '' (for logs). */
  logPrefix: string;
  /** SERVICE_LOGGER.<proxy> / API_LOGGER.<api>: the per-artifact logger, if any. */
  artifactLogger?: string;
}

/** What goes back to the client. */
export interface Reply {
  status: number;
  headers: Record<string, HeaderValue>;
  body: Buffer | Readable | undefined;
}

export class MessageContext implements PublicMessageContext {
  /** Default-scope (Synapse) properties. */
  readonly props = new Map<string, unknown>();
  /** Axis2-scope properties: messageType, HTTP_SC, NO_ENTITY_BODY, REST_URL_POSTFIX, ... */
  readonly axis2 = new Map<string, unknown>();
  // the scopes few messages use are made on first use: three collections less per request
  private ownAxis2Client: Map<string, unknown> | undefined = undefined;
  private ownOperation: Map<string, unknown> | undefined = undefined;
  private ownHeadersSet: Set<string> | undefined = undefined;
  /** Innermost last; the exchange replaces the empty array with its first handler. */
  faultStack: FaultHandler[] = [];
  isResponse = false;
  /** The payload is a SOAP fault (makefault): replies default to HTTP 500 unless FAULTS_AS_HTTP_200. */
  isFault = false;
  /** Set once a reply to the client is decided (respond, send back, fault). */
  reply: Reply | undefined;
  /** WS-Addressing To: the request path for an inbound message, the endpoint address once sent. */
  to: string;
  soapAction: string | undefined;
  messageId: string | undefined;
  /** WS-Addressing From, ReplyTo, FaultTo, RelatesTo and the request's addressing version (context/addressing.ts). */
  addressing: Addressing | undefined;
  /** A content-aware step read the request body (Synapse built the message): its wsa headers were read. */
  built = false;
  /** Kind of the client's request (soap11, json, ...), so a fault reply can match it after a response replaced the payload. */
  requestKind: string | undefined;
  /** The error being handled by a fault sequence. */
  error: Error | undefined;
  /** Template parameters ($func:) of the innermost call-template. */
  funcParams: Map<string, unknown> | undefined;
  /** The request's OpenTelemetry spans; undefined (nothing to do) unless `[opentelemetry] enable = true`. */
  trace: RequestTrace<MessageContext> | undefined = undefined;
  private correlation: string | undefined;
  /** Who called, set when API security admits the request; undefined on an open route. */
  caller: Caller | undefined = undefined;
  /**
   * The transport headers the backend JWT was put into at admission. When a `<call>` has replaced them with
   * a response's, the endpoint sends the JWT again (http-client.ts); a mediator that removed it keeps it removed.
   */
  backendJwtHeaders: TransportHeaders | undefined = undefined;
  /** Named-endpoint references followed by the send in progress, from 0 at each send (endpoints/indirect.ts stops a cycle). */
  endpointHops = 0;

  /** Axis2 client-scope properties. */
  get axis2Client(): Map<string, unknown> {
    return (this.ownAxis2Client ??= new Map());
  }

  /** Operation-scope properties. */
  get operation(): Map<string, unknown> {
    return (this.ownOperation ??= new Map());
  }

  /** Names of transport headers a mediator set: a reply from the in-flow carries only these. */
  get headersSet(): Set<string> {
    return (this.ownHeadersSet ??= new Set());
  }

  /** Forgets which headers mediators set (the headers were replaced, or all removed). */
  forgetSetHeaders(): void {
    this.ownHeadersSet?.clear();
  }

  /** Makes this message (a split branch) report the correlation id of the message it was copied from. */
  shareCorrelation(from: MessageContext): void {
    this.correlation = from.correlationId;
  }

  constructor(
    readonly runtime: MessageRuntime,
    readonly inbound: InboundRequest,
    public headers: TransportHeaders,
    public payload: Payload,
    public entry: EntryPoint,
    /** The exchange this message belongs to: flow state lives there, not here. */
    readonly exchange: ExchangeControl,
  ) {
    this.to = inbound.url;
    const sa = headers.get('soapaction');
    if (typeof sa === 'string') this.soapAction = sa.replace(/^"|"$/g, '');
    else this.soapAction = soap12Action(headers.get('content-type'));
  }

  /** Correlation id: the `activityid` request header, else a random UUID (made on first use). */
  get correlationId(): string {
    if (this.correlation === undefined) {
      const h = this.inbound.correlationId ?? this.headers.get(this.runtime.config.correlationHeader);
      this.correlation = typeof h === 'string' && h !== '' ? h : requestUuid();
    }
    return this.correlation;
  }

  getProperty(name: string, scope: PropertyScope = 'default'): unknown {
    switch (scope) {
      case 'default':
        return this.props.get(name);
      case 'transport': {
        const v = this.headers.get(name.toLowerCase());
        return Array.isArray(v) ? v.join(', ') : v;
      }
      case 'axis2':
        return this.axis2.get(name);
      case 'axis2-client':
        return this.ownAxis2Client?.get(name);
      case 'operation':
        return this.ownOperation?.get(name);
      case 'system':
        return process.env[name];
      case 'registry':
        return this.runtime.localEntryText(name);
      default:
        return this.props.get(name);
    }
  }

  setProperty(name: string, value: unknown, scope: PropertyScope = 'default'): void {
    switch (scope) {
      case 'transport': {
        const k = name.toLowerCase();
        this.headers.set(k, value === null || value === undefined ? '' : String(value));
        this.headersSet.add(k);
        return;
      }
      case 'axis2':
        this.axis2.set(name, value);
        if (name === 'messageType' && typeof value === 'string') {
          // Synapse: setting messageType also sets ContentType and the Content-Type header
          this.axis2.set('ContentType', value);
        }
        return;
      case 'axis2-client':
        this.axis2Client.set(name, value);
        return;
      case 'operation':
        this.operation.set(name, value);
        return;
      case 'system':
        process.env[name] = String(value);
        return;
      default:
        this.props.set(name, value);
    }
  }

  removeProperty(name: string, scope: PropertyScope = 'default'): void {
    switch (scope) {
      case 'transport':
        this.headers.delete(name.toLowerCase());
        this.ownHeadersSet?.delete(name.toLowerCase());
        return;
      case 'axis2':
        if (name === 'TRANSPORT_HEADERS') {
          this.headers.clear();
          this.forgetSetHeaders();
        }
        this.axis2.delete(name);
        return;
      case 'axis2-client':
        this.ownAxis2Client?.delete(name);
        return;
      case 'operation':
        this.ownOperation?.delete(name);
        return;
      case 'system':
        delete process.env[name];
        return;
      default:
        this.props.delete(name);
    }
  }

  get api(): ApiInfo | undefined {
    return this.exchange.api;
  }

  get resource(): ResourceInfo | undefined {
    return this.exchange.resource;
  }

  get clientCertificate(): X509Certificate | undefined {
    return this.inbound.clientCertificate;
  }

  /**
   * Answers the client with this reply and stops (handlers' contract): the body is sent as given, a string
   * as text/plain, a Buffer as application/octet-stream, anything else as JSON, unless a content-type is given.
   */
  respond(status: number, body?: string | Buffer | object | number | boolean | null, headers?: Readonly<Record<string, string>>): false {
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new RangeError(`respond(): status ${status} is not an HTTP status (100-599)`);
    const h: Record<string, HeaderValue> = {};
    if (headers) for (const k of Object.keys(headers)) h[k.toLowerCase()] = String(headers[k]);
    let bytes: Buffer | undefined;
    let type: string | undefined;
    if (body === undefined) bytes = undefined;
    else if (typeof body === 'string') [bytes, type] = [Buffer.from(body, 'utf8'), 'text/plain; charset=UTF-8'];
    else if (Buffer.isBuffer(body)) [bytes, type] = [body, 'application/octet-stream'];
    else [bytes, type] = [Buffer.from(stringifyJson(body), 'utf8'), 'application/json; charset=UTF-8'];
    if (bytes !== undefined && type && h['content-type'] === undefined) h['content-type'] = type;
    releaseStream(this.payload.takeStream());
    this.reply = { status, headers: h, body: bytes };
    return false;
  }
}

/**
 * Lets go of a body nobody will read: the client's request is drained (destroying it would reset the
 * connection), a backend response is destroyed so its pooled connection is freed.
 */
export function releaseStream(s: Readable | undefined): void {
  if (!s) return;
  if (s instanceof IncomingMessage) s.resume();
  else {
    s.once('error', () => {}); // the abort of a body nobody reads is not an error anybody must hear
    s.destroy();
  }
}

/** Replaces the message with a response from an endpoint: headers, payload, HTTP status. */
export function becomeResponse(mc: MessageContext, status: number, headers: TransportHeaders, payload: Payload): void {
  mc.isResponse = true;
  mc.isFault = false;
  mc.headers = headers;
  mc.forgetSetHeaders();
  mc.payload = payload;
  mc.axis2.set('HTTP_SC', status);
  mc.axis2.delete('messageType');
  mc.axis2.delete('ContentType');
  mc.axis2.delete('NO_ENTITY_BODY');
}

/** SOAP 1.2 carries the action as a Content-Type parameter (Axis2's processContentTypeForAction). */
function soap12Action(ct: unknown): string | undefined {
  if (typeof ct !== 'string' || !/^\s*application\/soap\+xml/i.test(ct)) return undefined;
  const m = /;\s*action\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(ct);
  return m ? (m[1] ?? m[2]) : undefined;
}
