/**
 * The public contract of extensions written in TypeScript: API handlers, global (Synapse) handlers and class
 * mediators, and the view of the message they get. These names are exported by the package (src/index.ts)
 * and documented in docs/extensions.md; change them only compatibly. Every member carries its documentation here,
 * so an editor shows it from the package's .d.ts.
 *
 * @packageDocumentation
 */
import type { X509Certificate } from 'node:crypto';

export type { PropertyScope } from './property-scope.js';
import type { PropertyScope } from './property-scope.js';
import type { Caller } from './caller.js';

export type { Caller, CallerScheme } from './caller.js';

/** A `<property name value/>` is a string; a `<property name><xml/></property>` is that element. */
export type HandlerPropertyValue = string | Element;

/** The `<property>` children of `<handler>` / `<class>` (or `properties` of a `[[synapse_handlers]]` entry). */
export type HandlerProperties = Readonly<Record<string, HandlerPropertyValue>>;

/** What a hook returns: true continues, false stops. A Promise only when the hook really waits. */
export type HookResult = boolean | Promise<boolean>;

/**
 * The message body. Read it once it is in memory: declare `contentAware = true` on the handler or class
 * mediator, or `await mc.payload.load()` first; the readers below throw while it is still streaming.
 */
export interface MessagePayload {
  /** Content-Type of the body as received (parameters included), or undefined without one. */
  readonly contentType: string | undefined;
  /** True once the body is in memory, so the readers below may be called. */
  readonly isReady: boolean;
  /** Reads the body into memory (resolves at once when it already is). Rejects on a body over the size limit. */
  load(): Promise<void>;
  /**
   * What the body is, from its Content-Type (and, for XML, its root): a SOAP 1.1 or 1.2 envelope, plain XML,
   * JSON, text, other bytes, or no body at all.
   */
  readonly kind: 'soap11' | 'soap12' | 'xml' | 'json' | 'text' | 'binary' | 'empty';
  /** The body as text: the XML or JSON as it will be sent (the exact JSON text, numbers digit for digit). */
  text(): string;
  /**
   * The JSON value (JSON messages), or the JSON mapping of the XML payload element. A number a JS number
   * cannot print back as received (past 2^53, `1.50`, `1e5`, `-0`) is a JsonNumber: `String(n)` is its exact
   * text, `Number(n)` its JS number; `text()` gives the exact JSON text. Other numbers are plain numbers.
   */
  json(): unknown;
  /**
   * The SOAP envelope DOM (POX, JSON and text are wrapped as Micro Integrator wraps them: JSON as
   * `<jsonObject>`, text as `<text xmlns="http://ws.apache.org/commons/ns/payload">`). Changes made to it are
   * the message from then on.
   */
  envelope(): Document;
  /** The first element in the SOAP body (the payload), or undefined for an empty body. */
  bodyElement(): Element | undefined;
  /** Replaces the body with this JSON value; the message becomes `application/json`. */
  setJson(value: unknown): void;
  /** Replaces the payload element with XML text (one root element). */
  setBodyXml(xml: string): void;
  /** Replaces the body with this text; the message becomes `text/plain`. */
  setText(text: string): void;
}

/**
 * The query string of the request, parsed: a read-only map from each parameter name to its first value,
 * in order of first appearance. Decoded as a form (`+` is a space, `%XX` UTF-8). `?a=1&a=2&b` gives
 * `get('a')` '1', `getAll('a')` ['1', '2'], `get('b')` '', `has('c')` false. The raw text is
 * `mc.inbound.queryString` (also `String(query)`).
 */
export interface QueryParameters extends ReadonlyMap<string, string> {
  /** Every value of a parameter given several times, in order; an empty array when it is absent. */
  getAll(name: string): readonly string[];
}

/** The request as the listener received it (the same on the response path). */
export interface InboundInfo {
  /** The HTTP method, upper case as sent (`GET`, `POST`, ...). */
  readonly method: string;
  /** Path and query, as received: `/orders/1.0/42?expand=items`. */
  readonly url: string;
  /** The path without the query, dot segments resolved: `/orders/1.0/42`. */
  readonly path: string;
  /** The query parameters, parsed on first use: `mc.inbound.query.get('expand')` is `'items'`. */
  readonly query: QueryParameters;
  /** The query string as received, without `?` (`expand=items`); empty when there is none. */
  readonly queryString: string;
  /** The listener the request came in on. */
  readonly protocol: 'http' | 'https';
  /** The Host header as sent (`api.example.com:8290`), empty when there was none. */
  readonly host: string;
  /** The client's IP address as this server sees it (a proxy in front shows as itself). */
  readonly remoteAddress: string;
  /** The local port of the listener that took the request. */
  readonly port: number;
}

/** The API that matched the request (`<api name context version>`). */
export interface ApiInfo {
  /** The `name` attribute of the `<api>`. */
  readonly name: string;
  /** The context requests see, version included for version-type url/context. */
  readonly context: string;
  /** The `version` attribute, or undefined for an API without one. */
  readonly version: string | undefined;
}

/** The `<resource>` of the API that matched the request. */
export interface ResourceInfo {
  /** Upper-case HTTP methods of its `methods` attribute; undefined means any. */
  readonly methods: ReadonlySet<string> | undefined;
  /** Its `uri-template` (`/{id}`), when it has one. */
  readonly uriTemplate?: string;
  /** Its `url-mapping` (`/items/*`), when it has one. */
  readonly urlMapping?: string;
}

/** What handlers and class mediators see of the message. */
export interface MessageContext {
  /** The `activityid` header of the request, or a UUID: quote it in logs. */
  readonly correlationId: string;
  /** True on the response path (handleResponse, the response hooks of a global handler). */
  readonly isResponse: boolean;
  /** What the client sent: method, path, query, host, address. */
  readonly inbound: InboundInfo;
  /** The API that matched, on an API; undefined on proxies and the main sequence. */
  readonly api: ApiInfo | undefined;
  /** The resource of that API that matched; undefined before dispatch, on proxies and the main sequence. */
  readonly resource: ResourceInfo | undefined;
  /** The client's TLS certificate, on an HTTPS listener that asked for one (mutual TLS); else undefined. */
  readonly clientCertificate: X509Certificate | undefined;
  /** Who called, once API security admitted the request (scheme, user, scopes, claims); undefined on an open API. */
  readonly caller: Caller | undefined;
  /** The body of the message: the request, or the response on the response path. */
  readonly payload: MessagePayload;
  /**
   * A property, as `get-property(scope, name)` reads it; scope `default` when left out. Scope `transport`
   * reads an HTTP header (case-insensitive, several values joined with ', '); `axis2` holds `HTTP_SC`,
   * `messageType`, `REST_URL_POSTFIX`, ... Undefined when it is not set.
   */
  getProperty(name: string, scope?: PropertyScope): unknown;
  /**
   * Sets a property, as `<property name value scope>` does. Scope `transport` sets an HTTP header of the
   * message (the request, or the response on the way back); `axis2` `HTTP_SC` the status of the reply.
   */
  setProperty(name: string, value: unknown, scope?: PropertyScope): void;
  /** Removes a property (scope `transport`: the header), as `<property action="remove">` does. */
  removeProperty(name: string, scope?: PropertyScope): void;
  /**
   * Answers the client now and stops: the remaining handlers and the mediation do not run. A string body is
   * sent as text/plain, a Buffer as application/octet-stream, anything else as JSON, unless `headers` give
   * a content-type. Returns false, so `return mc.respond(401)` reads naturally.
   */
  respond(status: number, body?: string | Buffer | object | number | boolean | null, headers?: Readonly<Record<string, string>>): false;
}

/**
 * An API handler (`<api><handlers><handler class="...">`), Micro Integrator's `org.apache.synapse.rest.Handler`.
 * Both hooks run in document order: handleRequest before the resource is dispatched, handleResponse before
 * the resource's outSequence (or, when the in-flow answered with respond, just before the reply leaves).
 * A missing hook counts as `true`. One instance serves every request of one API deployment.
 */
export interface Handler {
  /** Before the resource is dispatched: true lets the request in, false stops it (answer with `mc.respond`). */
  handleRequest?(mc: MessageContext): HookResult;
  /** Before the response leaves (before the resource's outSequence when a backend answered a send). */
  handleResponse?(mc: MessageContext): HookResult;
  /** True if a hook reads the body: the runtime loads it first, so the hook may stay synchronous. */
  readonly contentAware?: boolean;
}

/**
 * A global handler (`[[synapse_handlers]]` in deployment.toml), Micro Integrator's `SynapseHandler`: every
 * message of every proxy, API and the main sequence passes its hooks, in the order declared.
 */
export interface GlobalHandler {
  /** A request arrived, before any proxy, API or handler. */
  handleRequestInFlow?(mc: MessageContext): HookResult;
  /** A request is about to leave for an endpoint (send, or a proxy's target endpoint). */
  handleRequestOutFlow?(mc: MessageContext): HookResult;
  /** An endpoint's response arrived, before the out-flow. */
  handleResponseInFlow?(mc: MessageContext): HookResult;
  /** The reply is about to go back to the client. */
  handleResponseOutFlow?(mc: MessageContext): HookResult;
  /** True if a hook reads the body: the runtime loads it first, so the hook may stay synchronous. */
  readonly contentAware?: boolean;
}

/** A class mediator (`<class name="extensions/x.ts"><property .../></class>`): true continues the sequence. */
export interface ClassMediator {
  /** Runs where the `<class>` stands in the sequence: true continues it, false stops it there (as a Synapse mediator returning false). */
  mediate(mc: MessageContext): HookResult;
  /** True if mediate() reads the body: the sequence loads it first. */
  readonly contentAware?: boolean;
}

/** What a module exports for `class="extensions/x.ts#Name"`: a class taking the properties (or a plain object). */
export type ExtensionClass<T> = new (properties: HandlerProperties) => T;
