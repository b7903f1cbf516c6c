/**
 * What a message needs of the runtime it runs in, declared here so that the message context depends on
 * nothing above it. The types are generic in the message `M` only so this file needs no import of
 * message-context.ts (which fixes `M`); src/runtime.ts implements the interface with its real artifacts.
 */
import type { Dispatcher } from 'undici';
import type { Config } from '../config/config.js';
import type { LoggerFactory } from '../logging/logger.js';
import type { SecretMasker } from '../logging/secret-masker.js';
import type { Authenticator } from '../security/auth/authenticator.js';
import type { PayloadLimits } from './payload-limits.js';
import type { SharedStores } from './shared-stores.js';
import type { SharedResources } from './shared-resources.js';

/** Something that mediates a message: a mediator, a sequence. True continues, false stops. */
export interface Step<M> {
  mediate(mc: M): boolean | Promise<boolean>;
}

/** A sequence that handles a fault: pushed when a sequence with onError (or a proxy/resource) is entered. */
export interface FaultHandler<M> {
  readonly name: string;
  handleFault(mc: M): boolean | Promise<boolean>;
}

/** Something a message can be sent to: an endpoint. */
export interface Deliverable<M> {
  /** Name for logs; the key for named endpoints. */
  readonly name: string | undefined;
  /** Delivers the message and turns the message into the response; throws an EndpointError on failure. */
  send(mc: M): Promise<void>;
  /** False while the endpoint is suspended; absent means always ready. */
  ready?(mc: M): boolean;
}

export interface TemplateView<M> {
  readonly parameters: readonly { name: string; defaultValue?: string; isMandatory: boolean }[];
  readonly sequence: Step<M>;
}

export interface LocalEntryView {
  /** Text content (text entries) or serialized XML (XML entries). */
  readonly text: string;
  readonly element: Element | undefined;
}

/** An expression that may call an external vault (hashicorp:vault-lookup). */
export interface ExternalLookupSource<M> {
  readonly contentAware: boolean;
  evaluate(mc: M): unknown;
}

export interface ExternalSecrets<M> {
  /** Fetches the external values these expressions need on this message; undefined when all are cached. */
  prefetchExternal?(exprs: readonly ExternalLookupSource<M>[], mc: M): Promise<void> | undefined;
}

/** `[extensions]`: how long a handler or class mediator may take. */
export interface ExtensionSettings {
  /** Milliseconds a hook's Promise may stay pending before it counts as a failure. */
  readonly timeoutMs: number;
}

/** The keep-alive connections to backends, shared per host:port by every endpoint (endpoints/backend-pools.ts). */
export interface BackendConnections {
  pool(origin: string, connectTimeoutMs: number): Dispatcher;
}

export interface MessageRuntime<M> {
  readonly config: Config;
  readonly logs: LoggerFactory;
  /** Values masked in every log line and error reply (vault lookups, $secret{} values, passwords). */
  readonly logSecrets: SecretMasker;
  /** Users and roles for every security feature. */
  readonly auth: Authenticator;
  readonly secrets: ExternalSecrets<M>;
  readonly extensionSettings: ExtensionSettings;
  /** Limits on message bodies ([server] max_body_size, max_xml_depth), for every payload read. */
  readonly payloadLimits: PayloadLimits;
  /** The shared stores of [cache] / [throttle] (Redis); absent where the runtime was built without them. */
  readonly sharedStores?: SharedStores;
  /** Pools and the like the deployed artifacts share (the DB mediators' connection pools). */
  readonly resources: SharedResources;
  /** Connections to backends ([transport.http] max_http_connection_per_host_port). */
  readonly backends: BackendConnections;
  localEntryText(key: string): string | undefined;
  localEntry(key: string): LocalEntryView | undefined;
  sequence(key: string): (Step<M> & FaultHandler<M>) | undefined;
  template(key: string): TemplateView<M> | undefined;
  endpoint(key: string): Deliverable<M> | undefined;
  faultHandler(key: string): FaultHandler<M> | undefined;
  lookupSecret(alias: string, type?: string, encrypted?: boolean): string;
  lookupExternalSecret(vault: string, args: readonly string[], mc?: M): string;
}
