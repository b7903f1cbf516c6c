/** Deployed artifact models: what parse() produces and the runtime serves. */
import type { Mediator } from '../mediators/mediator.js';
import type { Sequence } from '../mediators/sequence.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import type { UriMatcher } from '../api/uri-template.js';
import type { ApiHandlers } from '../handlers/api-handlers.js';
import type { ProxySecurity } from '../security/ws-security/proxy-security.js';
import type { AccessPhase } from '../security/policies/access-phase.js';
import type { EndpointTemplate } from './endpoint-template.js';
import type { OpenApiDefinition } from '../api/openapi/definition.js';
import type { ResourceSecurityLine } from '../security/policies/resource-security.js';

export type Transport = 'http' | 'https';

export interface ArtifactBase {
  readonly name: string;
  /** The file it came from. */
  readonly file: string;
  /** `trace="enable"` (proxies and APIs): OpenTelemetry mediator spans for its requests. */
  readonly trace?: boolean;
}

export interface ProxyService extends ArtifactBase {
  readonly kind: 'proxy';
  readonly transports: ReadonlySet<Transport>;
  readonly startOnLoad: boolean;
  readonly inSequence: Mediator | undefined;
  readonly outSequence: Mediator | undefined;
  readonly faultSequence: Mediator | undefined;
  readonly endpoint: Endpoint | undefined;
  /** WSDL text (inline) or the local entry key holding it. */
  readonly wsdl: { inline?: string; key?: string } | undefined;
  readonly parameters: ReadonlyMap<string, string>;
  /** The <policy> elements as written; `localEntry` when the key names a local entry (compiled when linked). */
  readonly policies: readonly ProxyPolicyRef[];
  readonly enableSec: boolean;
  /** WS-Security (compiled policy and its settings); undefined for an unsecured proxy. */
  readonly security: ProxySecurity | undefined;
  /** The access policies (from the WS-Security policy); null for an unsecured proxy. */
  readonly access: AccessPhase | null;
}

export interface ProxyPolicyRef {
  readonly key: string;
  readonly type?: string;
  readonly localEntry: boolean;
  /** Position of the <policy> element, where policy problems are reported. */
  readonly line: number;
  readonly col: number;
}

export interface ApiResource {
  readonly methods: ReadonlySet<string> | undefined;
  readonly matcher: UriMatcher;
  readonly inSequence: Mediator | undefined;
  readonly outSequence: Mediator | undefined;
  readonly faultSequence: Mediator | undefined;
  readonly contentType: string | undefined;
  readonly userAgent: string | undefined;
  /** The uri-template / url-mapping as written (handlers read them through mc.resource). */
  readonly uriTemplate?: string;
  readonly urlMapping?: string;
  /** The access policies of the resource (the API's, with the resource's own replacing those of a name); null when open. */
  readonly access: AccessPhase | null;
}

export interface Api extends ArtifactBase {
  readonly kind: 'api';
  /** Context as requests see it, version included for version-type="url"/"context". */
  readonly context: string;
  readonly version: string | undefined;
  readonly hostname: string | undefined;
  readonly port: number | undefined;
  readonly transports: ReadonlySet<Transport>;
  readonly resources: readonly ApiResource[];
  /** `{api:Name}` or `{api:Name:v1.0}` style name used in logs. */
  readonly logName: string;
  /** The <handlers>, instantiated at deploy time; absent when the API has none (no cost per request). */
  readonly handlers?: ApiHandlers;
  /** The API-level access policies (they also guard requests that match no resource); null when open. */
  readonly access: AccessPhase | null;
  /** The text of its `<description>` (the generated OpenAPI definition's info.description). */
  readonly description?: string;
  /** Its OpenAPI definition (publishSwagger, or `<ApiName>_swagger.yaml` beside it): served at `?swagger.json`. */
  readonly definition?: OpenApiDefinition;
  /** Each resource's effective security and where it is declared, for `mi validate`. */
  readonly securityReport?: readonly ResourceSecurityLine[];
}

export interface LocalEntry extends ArtifactBase {
  readonly kind: 'localEntry';
  /** Text content (for text entries) or serialized XML (for XML entries). */
  readonly text: string;
  readonly element: Element | undefined;
}

export interface SequenceTemplate extends ArtifactBase {
  readonly kind: 'template';
  readonly parameters: readonly { name: string; defaultValue?: string; isMandatory: boolean }[];
  readonly sequence: Sequence;
}

export interface NamedSequence extends ArtifactBase {
  readonly kind: 'sequence';
  readonly sequence: Sequence;
}

export interface NamedEndpoint extends ArtifactBase {
  readonly kind: 'endpoint';
  readonly endpoint: Endpoint;
}

export type Artifact = ProxyService | Api | LocalEntry | SequenceTemplate | NamedSequence | NamedEndpoint | EndpointTemplate;
