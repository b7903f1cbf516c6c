/**
 * The deployed artifacts and their lifecycle. A Deployment is an immutable snapshot (maps by key plus the
 * compiled API router); redeploying builds a new one and swaps it in, so in-flight requests finish on the
 * artifacts they started with. No singletons: tests build as many runtimes as they like.
 */
import type { Config } from './config/config.js';
import type { LoggerFactory } from './logging/logger.js';
import type { Api, LocalEntry, ProxyService, SequenceTemplate } from './artifacts/model.js';
import type { Sequence } from './mediators/sequence.js';
import type { Endpoint } from './endpoints/endpoint.js';
import type { FaultHandler } from './context/message-context.js';
import { ApiRouter } from './api/router.js';
import { SecretMasker } from './logging/secret-masker.js';
import type { MessageContext } from './context/message-context.js';
import type { Expression } from './expr/expression.js';
import { VaultLookup } from './security/vault/vault-lookup.js';
import type { Authenticator } from './security/auth/authenticator.js';
import { AuthenticationService, authenticationOptionsFrom } from './security/auth/authentication-service.js';
import { FileUserStore } from './security/auth/file-user-store.js';
import type { TransactionCounter } from './transactions/counter.js';

export interface Deployment {
  readonly sequences: ReadonlyMap<string, Sequence>;
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  readonly localEntries: ReadonlyMap<string, LocalEntry>;
  readonly templates: ReadonlyMap<string, SequenceTemplate>;
  /** Proxy services by name (exact case, as /services/<Name>). */
  readonly proxies: ReadonlyMap<string, ProxyService>;
  readonly apis: ReadonlyMap<string, Api>;
  readonly router: ApiRouter<Api>;
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
  };
}

/** Looks up secrets for wso2:vault-lookup / hashicorp:vault-lookup; the secure vault plugs in here. */
export interface SecretResolver {
  lookup(alias: string, type?: string, encrypted?: boolean): string;
  /** Synchronous: reads what prefetchExternal() fetched (for `mc`, or still cached). */
  lookupExternal(vault: string, args: readonly string[], mc?: MessageContext): string;
  /** Fetches the external values these expressions need on this message; undefined when all are cached. */
  prefetchExternal?(exprs: readonly Expression[], mc: MessageContext): Promise<void> | undefined;
  /** Checks external vault credentials at start (logs, never throws). */
  verify?(): Promise<void>;
  close?(): void;
}

export class Runtime {
  private deployment: Deployment = emptyDeployment();
  /** Requests currently being mediated (for graceful shutdown). */
  inFlight = 0;
  secrets: SecretResolver;
  /**
   * Users and roles for every security feature. Until the server opens its databases this knows the
   * `[[internal_apis.users]]` of deployment.toml only; startServer installs the combined stores.
   */
  auth: Authenticator;
  /** Set by startServer when `[transaction_counter] enable = true`; undefined costs nothing per request. */
  transactions?: TransactionCounter;

  constructor(
    readonly config: Config,
    readonly logs: LoggerFactory,
    /** Values masked in every log line (vault lookups, passwords, Authorization headers in flight). */
    readonly logSecrets: SecretMasker = new SecretMasker(),
  ) {
    this.secrets = new VaultLookup(config.security, logs, logSecrets);
    const authOptions = authenticationOptionsFrom(config.toml);
    this.auth = new AuthenticationService([FileUserStore.fromToml(config.toml, authOptions.adminRole)], { ...authOptions, logs });
  }

  get current(): Deployment {
    return this.deployment;
  }

  /** Swaps in a new snapshot; endpoints no longer present are closed once idle requests finish. */
  activate(next: Deployment): void {
    const prev = this.deployment;
    this.deployment = next;
    for (const [key, ep] of prev.endpoints) {
      if (next.endpoints.get(key) !== ep) void ep.close?.().catch(() => {});
    }
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
  }
}
