/**
 * The public contract of extensions written in TypeScript: API handlers, global (Synapse) handlers and class
 * mediators, and the view of the message they get. These names are exported by the package (src/index.ts)
 * and documented in the README; change them only compatibly.
 */
import type { X509Certificate } from 'node:crypto';

export type { PropertyScope } from './property-scope.js';
import type { PropertyScope } from './property-scope.js';

/** A `<property name value/>` is a string; a `<property name><xml/></property>` is that element. */
export type HandlerPropertyValue = string | Element;

/** The `<property>` children of `<handler>` / `<class>` (or `properties` of a `[[synapse_handlers]]` entry). */
export type HandlerProperties = Readonly<Record<string, HandlerPropertyValue>>;

/** What a hook returns: true continues, false stops. A Promise only when the hook really waits. */
export type HookResult = boolean | Promise<boolean>;

/** The message body. Read it once it is in memory: declare `contentAware = true`, or `await payload.load()`. */
export interface MessagePayload {
  /** Content-Type of the body as received. */
  readonly contentType: string | undefined;
  /** True once the body is in memory. */
  readonly isReady: boolean;
  /** Reads the body into memory (resolves at once when it already is). */
  load(): Promise<void>;
  readonly kind: 'soap11' | 'soap12' | 'xml' | 'json' | 'text' | 'binary' | 'empty';
  text(): string;
  /**
   * The JSON value (JSON messages), or the JSON mapping of the XML payload element. A number a JS number
   * cannot print back as received (past 2^53, `1.50`, `1e5`, `-0`) is a JsonNumber: `String(n)` is its exact
   * text, `Number(n)` its JS number; `text()` gives the exact JSON text. Other numbers are plain numbers.
   */
  json(): unknown;
  /** The SOAP envelope DOM (POX, JSON and text are wrapped as Micro Integrator wraps them). */
  envelope(): Document;
  /** The first element in the SOAP body. */
  bodyElement(): Element | undefined;
  setJson(value: unknown): void;
  /** Replaces the payload element with XML text (one root element). */
  setBodyXml(xml: string): void;
  setText(text: string): void;
}

/** The request as the listener received it. */
export interface InboundInfo {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly path: string;
  readonly query: string;
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly remoteAddress: string;
  readonly port: number;
}

export interface ApiInfo {
  readonly name: string;
  /** The context requests see, version included for version-type url/context. */
  readonly context: string;
  readonly version: string | undefined;
}

export interface ResourceInfo {
  /** Upper-case HTTP methods; undefined means any. */
  readonly methods: ReadonlySet<string> | undefined;
  readonly uriTemplate?: string;
  readonly urlMapping?: string;
}

/** What handlers and class mediators see of the message. */
export interface MessageContext {
  /** The `activityid` header of the request, or a UUID: quote it in logs. */
  readonly correlationId: string;
  /** True on the response path (handleResponse, response hooks). */
  readonly isResponse: boolean;
  readonly inbound: InboundInfo;
  /** The API and resource that matched, on an API; undefined on proxies and the main sequence. */
  readonly api: ApiInfo | undefined;
  readonly resource: ResourceInfo | undefined;
  /** The client's TLS certificate, on an HTTPS listener that asked for one. */
  readonly clientCertificate: X509Certificate | undefined;
  readonly payload: MessagePayload;
  /** Scope `transport` reads an HTTP header (case-insensitive, several values joined with ', '). */
  getProperty(name: string, scope?: PropertyScope): unknown;
  /** Scope `transport` sets an HTTP header of the message (the request, or the response on the way back). */
  setProperty(name: string, value: unknown, scope?: PropertyScope): void;
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
  handleRequest?(mc: MessageContext): HookResult;
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
  readonly contentAware?: boolean;
}

/** A class mediator (`<class name="extensions/x.ts"><property .../></class>`): true continues the sequence. */
export interface ClassMediator {
  mediate(mc: MessageContext): HookResult;
  /** True if mediate() reads the body: the sequence loads it first. */
  readonly contentAware?: boolean;
}

/** What a module exports for `class="extensions/x.ts#Name"`: a class taking the properties (or a plain object). */
export type ExtensionClass<T> = new (properties: HandlerProperties) => T;
