/**
 * The message flowing through mediation: scoped properties, transport headers, the lazy payload, the fault
 * stack and the reply. One object carries a request through the in-flow and, after an endpoint answers, the
 * response through the out-flow (the default-scope properties stay, as Synapse copies them over).
 */
import { randomUUID, type X509Certificate } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Runtime } from '../runtime.js';
import type { Mediator } from '../mediators/mediator.js';
import type { Api, ApiResource } from '../artifacts/model.js';
import type { MessageContext as PublicMessageContext } from '../handlers/contract.js';
import type { GlobalHandlers } from '../handlers/global-handlers.js';
import { Payload } from './payload.js';
import type { TransportHeaders, HeaderValue } from './transport-headers.js';

export type PropertyScope =
  | 'default'
  | 'transport'
  | 'axis2'
  | 'axis2-client'
  | 'operation'
  | 'registry'
  | 'system'
  | 'trace'
  | 'analytics';

export const WRITE_SCOPES: readonly PropertyScope[] = [
  'default',
  'transport',
  'axis2',
  'axis2-client',
  'operation',
  'registry',
  'system',
  'trace',
  'analytics',
];

/** What the client sent, as the listener saw it. */
export interface InboundRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  path: string;
  query: string;
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

/** A sequence that handles a fault: pushed when a sequence with onError (or a proxy/resource) is entered. */
export interface FaultHandler {
  readonly name: string;
  handleFault(mc: MessageContext): boolean | Promise<boolean>;
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
  readonly axis2Client = new Map<string, unknown>();
  readonly operation = new Map<string, unknown>();
  /** Names of transport headers a mediator set: a reply from the in-flow carries only these. */
  readonly headersSet = new Set<string>();
  readonly faultStack: FaultHandler[] = [];
  isResponse = false;
  /** The payload is a SOAP fault (makefault): replies default to HTTP 500 unless FAULTS_AS_HTTP_200. */
  isFault = false;
  /** Set once a reply to the client is decided (respond, send back, fault). */
  reply: Reply | undefined;
  /** The message was handed to an endpoint by send; the out-flow runs when it answers. */
  sent = false;
  /** Outstanding non-blocking sends to await before the exchange ends. */
  pending: Promise<void>[] | undefined;
  /** WS-Addressing To: the request path for an inbound message, the endpoint address once sent. */
  to: string;
  soapAction: string | undefined;
  messageId: string | undefined;
  /** Set by loopback: run the out-flow next. */
  loopback = false;
  /** The out sequence of the entry (proxy outSequence or resource outSequence). */
  outSequence: Mediator | undefined;
  /** Kind of the client's request (soap11, json, ...), so a fault reply can match it after a response replaced the payload. */
  requestKind: string | undefined;
  /** The error being handled by a fault sequence. */
  error: Error | undefined;
  /** Template parameters ($func:) of the innermost call-template. */
  funcParams: Map<string, unknown> | undefined;
  /** The API and resource that matched (handlers read them; the API's handlers run from here). */
  api: Api | undefined = undefined;
  resource: ApiResource | undefined = undefined;
  /** [[synapse_handlers]] in force when the message arrived; undefined when none are configured. */
  globalHandlers: GlobalHandlers | undefined = undefined;
  /** The API handlers' handleResponse already ran for this exchange (they run once). */
  responseHooksDone = false;
  private correlation: string | undefined;

  constructor(
    readonly runtime: Runtime,
    readonly inbound: InboundRequest,
    public headers: TransportHeaders,
    public payload: Payload,
    public entry: EntryPoint,
  ) {
    this.to = inbound.url;
    const sa = headers.get('soapaction');
    if (typeof sa === 'string') this.soapAction = sa.replace(/^"|"$/g, '');
  }

  /** Correlation id: the `activityid` request header, else a random UUID (made on first use). */
  get correlationId(): string {
    if (this.correlation === undefined) {
      const h = this.inbound.correlationId ?? this.headers.get(this.runtime.config.correlationHeader);
      this.correlation = typeof h === 'string' && h !== '' ? h : randomUUID();
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
        return this.axis2Client.get(name);
      case 'operation':
        return this.operation.get(name);
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
        this.headersSet.delete(name.toLowerCase());
        return;
      case 'axis2':
        if (name === 'TRANSPORT_HEADERS') {
          this.headers.clear();
          this.headersSet.clear();
        }
        this.axis2.delete(name);
        return;
      case 'axis2-client':
        this.axis2Client.delete(name);
        return;
      case 'operation':
        this.operation.delete(name);
        return;
      case 'system':
        delete process.env[name];
        return;
      default:
        this.props.delete(name);
    }
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
    else [bytes, type] = [Buffer.from(JSON.stringify(body), 'utf8'), 'application/json; charset=UTF-8'];
    if (bytes !== undefined && type && h['content-type'] === undefined) h['content-type'] = type;
    releaseStream(this.payload.takeStream());
    this.reply = { status, headers: h, body: bytes };
    return false;
  }

  /** Registers a non-blocking send so the exchange waits for it. */
  track(p: Promise<void>): void {
    (this.pending ??= []).push(p);
  }
}

/**
 * Lets go of a body nobody will read: the client's request is drained (destroying it would reset the
 * connection), a backend response is destroyed so its pooled connection is freed.
 */
export function releaseStream(s: Readable | undefined): void {
  if (!s) return;
  if (s instanceof IncomingMessage) s.resume();
  else s.destroy();
}

/** Replaces the message with a response from an endpoint: headers, payload, HTTP status. */
export function becomeResponse(mc: MessageContext, status: number, headers: TransportHeaders, payload: Payload): void {
  mc.isResponse = true;
  mc.isFault = false;
  mc.headers = headers;
  mc.headersSet.clear();
  mc.payload = payload;
  mc.axis2.set('HTTP_SC', status);
  mc.axis2.delete('messageType');
  mc.axis2.delete('ContentType');
  mc.axis2.delete('NO_ENTITY_BODY');
}
