/**
 * The deployed artifacts and their lifecycle. A Deployment is an immutable snapshot (maps by key plus the
 * compiled API router); redeploying builds a new one and swaps it in, so in-flight requests finish on the
 * artifacts they started with. No singletons: tests build as many runtimes as they like.
 */
import { BackendPools } from './endpoints/backend-pools.js';
import type { Config } from './config/config.js';
import type { LoggerFactory } from './logging/logger.js';
import type { Api, LocalEntry, ProxyService, SequenceTemplate } from './artifacts/model.js';
import type { Sequence } from './mediators/sequence.js';
import type { Endpoint } from './endpoints/endpoint.js';
import type { FaultHandler, MessageContext, MessageRuntime } from './context/message-context.js';
import type { ExtensionSettings } from './context/message-runtime.js';
import type { PayloadLimits } from './context/payload-limits.js';
import { SharedResources } from './context/shared-resources.js';
import { ApiRouter } from './api/router.js';
import { SecretMasker } from './logging/secret-masker.js';
import { VaultLookup, type SecretResolver } from './security/vault/vault-lookup.js';
import type { Authenticator } from './security/auth/authenticator.js';
import { AuthenticationService, authenticationOptionsFrom } from './security/auth/authentication-service.js';
import { FileUserStore } from './security/auth/file-user-store.js';
import type { NonceStore } from './security/ws-security/nonce-store.js';
import { openNonceStore } from './store/redis-nonce-store.js';
import { GatewayThrottling } from './security/throttling/gateway-throttling.js';
import type { AccessServices } from './security/policies/access-policy.js';
import { GatewaySecurity } from './security/gateway/gateway-security.js';
import type { AccessPhase } from './security/policies/access-phase.js';
import type { ApiCertificateRegistry } from './security/gateway/api-certificate-registry.js';
import type { ApiKeyVerifier } from './security/gateway/api-key-verifier.js';
import type { TransactionCounter } from './transactions/counter.js';
import type { GlobalHandlers } from './handlers/global-handlers.js';
import { readExtensionSettings } from './handlers/settings.js';
import type { SharedStores } from './context/shared-stores.js';
import { openSharedStores, sharedStoreSettings } from './store/shared-stores.js';
import type { Metrics } from './observability/metrics.js';
import type { Tracing } from './observability/tracing.js';

export interface Deployment {
  readonly sequences: ReadonlyMap<string, Sequence>;
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  readonly localEntries: ReadonlyMap<string, LocalEntry>;
  readonly templates: ReadonlyMap<string, SequenceTemplate>;
  /** Proxy services by name (exact case, as /services/<Name>). */
  readonly proxies: ReadonlyMap<string, ProxyService>;
  readonly apis: ReadonlyMap<string, Api>;
  readonly router: ApiRouter<Api>;
  /** Keys of the shared resources (DB connection pools) the deployed artifacts use; others are closed. */
  readonly resources: ReadonlySet<string>;
}

/** Whether any access phase of the deployment (an API's, a resource's, a proxy's) checks a client certificate. */
export function deploymentUsesClientCertificates(d: Deployment): boolean {
  const asks = (phase: AccessPhase | null): boolean => phase !== null && phase.policies.some((p) => p.asksClientCertificate === true);
  for (const api of d.apis.values()) if (asks(api.access) || api.resources.some((r) => asks(r.access))) return true;
  for (const p of d.proxies.values()) if (asks(p.access)) return true;
  return false;
}

export function emptyDeployment(): Deployment {
  return {
    sequences: new Map(),
    endpoints: new Map(),
    localEntries: new Map(),
    templates: new Map(),
    proxies: new Map(),
    apis: new Map(),
    router: new ApiRouter<Api>([]),
    resources: new Set(),
  };
}

/**
 * Services a runtime is built with; what is not given gets its default: the file users of deployment.toml,
 * a fresh secret masker, the nonce store of `[ws_security.nonce_store]` (memory by default), no transaction counter.
 */
export interface RuntimeServices {
  /** Users and roles (mi start: the `[[internal_apis.users]]` file users first, then the database's). */
  readonly auth?: Authenticator;
  /** Values masked in every log line; the logging setup hands its own. */
  readonly logSecrets?: SecretMasker;
  /** Nonces of WS-Security UsernameTokens (shared when several nodes must see the same replays). */
  readonly nonces?: NonceStore;
  /** `[transaction_counter] enable = true`; undefined costs nothing per request. */
  readonly transactions?: TransactionCounter;
  /** API security ([[jwt_issuer]], [api_security]); read from the configuration when not given. */
  readonly gateway?: GatewaySecurity;
  /** API keys of `mi api-key issue` (mi start: in the user store's database); none: API keys are refused (900900). */
  readonly apiKeys?: ApiKeyVerifier;
  /** Client certificates registered per API (`mi api-cert`), re-read periodically; stopped with the runtime. */
  readonly apiCertificates?: ApiCertificateRegistry;
  /** Where cache entries and throttle counters live ([cache], [throttle]); read from the configuration when not given. */
  readonly sharedStores?: SharedStores;
  /** Throttling tiers and counters ([throttling]); read from the configuration when not given. */
  readonly throttling?: GatewayThrottling;
  /** Prometheus metrics (`[metrics] enable`); undefined costs nothing per request. */
  readonly metrics?: Metrics;
  /** OpenTelemetry tracing (`[opentelemetry] enable`); undefined costs one field check per request. */
  readonly tracing?: Tracing;
}

export class Runtime implements MessageRuntime, AccessServices {
  private deployment: Deployment = emptyDeployment();
  /** Requests currently being mediated (for graceful shutdown). */
  inFlight = 0;
  readonly secrets: SecretResolver;
  /** Users and roles for every security feature (replaceable, as a test swaps in another store). */
  auth: Authenticator;
  readonly logSecrets: SecretMasker;
  readonly nonces: NonceStore;
  readonly gateway: GatewaySecurity;
  readonly apiKeys: ApiKeyVerifier | undefined;
  readonly apiCertificates: ApiCertificateRegistry | undefined;
  readonly throttling: GatewayThrottling;
  readonly transactions: TransactionCounter | undefined;
  readonly extensionSettings: ExtensionSettings;
  readonly payloadLimits: PayloadLimits;
  readonly sharedStores: SharedStores;
  readonly resources = new SharedResources();
  readonly backends: BackendPools;
  readonly metrics: Metrics | undefined;
  readonly tracing: Tracing | undefined;
  /** Whether a deployed API or proxy uses mutual SSL (the HTTPS listener then asks for client certificates). */
  wantsClientCertificate = false;
  /** Told when wantsClientCertificate changes (the HTTPS listener). */
  readonly clientCertificateDemand: ((wanted: boolean) => void)[] = [];
  /** `[[synapse_handlers]]` in force; replaced when their modules are edited; undefined when none. */
  globalHandlers: GlobalHandlers | undefined = undefined;

  constructor(
    readonly config: Config,
    readonly logs: LoggerFactory,
    services: RuntimeServices = {},
  ) {
    this.logSecrets = services.logSecrets ?? new SecretMasker();
    this.secrets = new VaultLookup(config.security, logs, this.logSecrets);
    this.auth = services.auth ?? Runtime.fileUsers(config, logs);
    const shared = services.sharedStores && services.nonces ? undefined : sharedStoreSettings(config);
    this.nonces = services.nonces ?? openNonceStore(shared!.nonces, logs);
    this.gateway = services.gateway ?? GatewaySecurity.fromConfig(config, config.warnings, logs);
    this.apiKeys = services.apiKeys;
    this.apiCertificates = services.apiCertificates;
    this.throttling = services.throttling ?? GatewayThrottling.fromConfig(config, config.warnings, logs);
    this.transactions = services.transactions;
    this.metrics = services.metrics;
    this.tracing = services.tracing;
    this.extensionSettings = readExtensionSettings(config.toml);
    this.backends = new BackendPools(config.maxConnectionsPerHostPort);
    this.sharedStores = services.sharedStores ?? openSharedStores(shared!, logs);
    const server = config.server;
    this.payloadLimits = Object.freeze({
      maxBodyBytes: server.maxBodySize,
      maxXmlDepth: server.maxXmlDepth,
      maxXmlElements: server.maxXmlElements,
      maxXmlAttributesPerElement: server.maxXmlAttributesPerElement,
      maxXmlNodes: server.maxXmlNodes,
      maxJsonDepth: server.maxJsonDepth,
      maxJsonValues: server.maxJsonValues,
    });
  }

  /** The users of `[[internal_apis.users]]` alone (before, or without, the database). */
  static fileUsers(config: Config, logs: LoggerFactory, adminRole?: string): Authenticator {
    const options = authenticationOptionsFrom(config.toml);
    const role = adminRole ?? options.adminRole;
    return new AuthenticationService([FileUserStore.fromToml(config.toml, role)], { ...options, adminRole: role, logs });
  }

  get current(): Deployment {
    return this.deployment;
  }

  /** Swaps in a new snapshot; endpoints no longer present are closed once idle requests finish. */
  activate(next: Deployment): void {
    const prev = this.deployment;
    this.deployment = next;
    const wanted = deploymentUsesClientCertificates(next);
    if (wanted !== this.wantsClientCertificate) {
      this.wantsClientCertificate = wanted;
      for (const f of this.clientCertificateDemand) f(wanted);
    }
    // group and indirect endpoints resolve their children through the runtime when their state is read
    this.metrics?.deployed(next, { runtime: this } as unknown as MessageContext);
    this.tracing?.deployed(next);
    for (const [key, ep] of prev.endpoints) {
      if (next.endpoints.get(key) !== ep) void ep.close?.().catch(() => {});
    }
    this.resources.retain(next.resources);
  }

  sequence(key: string): Sequence | undefined {
    return this.deployment.sequences.get(key);
  }

  endpoint(key: string): Endpoint | undefined {
    return this.deployment.endpoints.get(key);
  }

  template(key: string): SequenceTemplate | undefined {
    return this.deployment.templates.get(key);
  }

  localEntry(key: string): LocalEntry | undefined {
    return this.deployment.localEntries.get(key);
  }

  localEntryText(key: string): string | undefined {
    return this.deployment.localEntries.get(key)?.text;
  }

  faultHandler(key: string): FaultHandler | undefined {
    return this.deployment.sequences.get(key);
  }

  lookupSecret(alias: string, type?: string, encrypted?: boolean): string {
    return this.secrets.lookup(alias, type, encrypted);
  }

  lookupExternalSecret(vault: string, args: readonly string[], mc?: MessageContext): string {
    return this.secrets.lookupExternal(vault, args, mc);
  }

  async destroy(): Promise<void> {
    const d = this.deployment;
    this.deployment = emptyDeployment();
    this.secrets.close?.();
    await Promise.all([...d.endpoints.values()].map((e) => e.close?.().catch(() => {})));
    await this.sharedStores.close();
    await this.nonces.close?.();
    await this.resources.closeAll();
    await this.backends.close();
    await this.gateway.close();
    await this.throttling.close();
    this.apiCertificates?.stop();
    // the spans still batched go out last (bounded wait when the collector is down)
    await this.tracing?.shutdown();
  }
}
