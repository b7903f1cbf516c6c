/**
 * The runtime's SecretResolver: wso2:vault-lookup over the secure vault and the DOCKER / FILE / ENV
 * sources, and hashicorp:vault-lookup over HashiCorp Vault. Every value found is cached for its time to live
 * and handed to the log masker.
 */
import type { MessageContext } from '../../context/message-context.js';
import type { Expression } from '../../expr/expression.js';
import { Errors, MiError } from '../../errors.js';
import type { LoggerFactory } from '../../logging/logger.js';
import type { SecretMasker } from '../../logging/secret-masker.js';
import type { SecurityConfig } from '../security-config.js';
import { HashiCorpVault, type ExternalRequest } from './hashicorp-vault.js';
import { isSourceType, readSecretSource } from './secret-sources.js';
import { TtlCache } from './ttl-cache.js';

export const VAULT_LOGGER = 'org.wso2.micro.integrator.mediation.security.vault';
export const HASHICORP_LOGGER = 'org.wso2.micro.integrator.mediation.security.vault.external.hashicorp';

/** Nested lookups (a path that is itself looked up) get this many fetch rounds. */
const MAX_PREFETCH_ROUNDS = 3;

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

export class VaultLookup implements SecretResolver {
  private readonly cache: TtlCache<string>;
  readonly hashicorp: HashiCorpVault | undefined;
  /** Set while prefetch evaluates a mediator's expressions: external lookups are noted, not read. */
  private collecting: ExternalRequest[] | undefined;
  /** What prefetch fetched for each message, readable by that message whatever the cache keeps. */
  private readonly fetchedFor = new WeakMap<MessageContext, Map<string, string>>();

  constructor(
    private readonly security: SecurityConfig,
    logs: LoggerFactory,
    masker: SecretMasker,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    security.revealed.maskWith(masker);
    this.cache = new TtlCache(security.lookups.cacheMs);
    this.hashicorp = security.hashicorp && new HashiCorpVault(security.hashicorp, security.revealed, logs.get(HASHICORP_LOGGER), env);
  }

  lookup(alias: string, type?: string, encrypted?: boolean): string {
    const source = isSourceType(type) ? type : undefined;
    if (alias === '' && !source) return '';
    const key = `${source ?? 'VAULT'}\u0000${alias}\u0000${encrypted === true}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    let value: string;
    if (!source) {
      value = this.security.vault.decrypt(alias);
    } else {
      const raw = readSecretSource(source, alias, this.security.lookups, this.env);
      if (raw === '') {
        // as Micro Integrator: an emptied source keeps the value it had
        const stale = this.cache.stale(key);
        if (stale !== undefined) return stale;
        throw new MiError(Errors.SECRET_MISSING, `vault-lookup('${alias}', '${source}'): plain text secret value has not been set for alias`);
      }
      value = encrypted ? this.security.vault.decryptValue(raw, `vault-lookup('${alias}', '${source}', 'true')`) : raw;
      this.security.revealed.add(value);
    }
    this.cache.set(key, value);
    return value;
  }

  lookupExternal(vault: string, args: readonly string[], mc?: MessageContext): string {
    if (vault !== 'hashicorp' || !this.hashicorp) {
      throw new MiError(Errors.EXTERNAL_VAULT_CONFIG, `${vault}:vault-lookup: no [[external_vault]] named '${vault}' is configured in deployment.toml`);
    }
    const req = this.hashicorp.request(args);
    if (!req) return '';
    const v = this.hashicorp.cached(req) ?? (mc && this.fetchedFor.get(mc)?.get(req.key));
    if (v !== undefined) return v;
    if (this.collecting) {
      this.collecting.push(req);
      return '';
    }
    throw this.hashicorp.notFetched(req);
  }

  /**
   * Evaluates the expressions with external lookups noted instead of read, fetches what is missing, and
   * repeats for lookups whose arguments came from another lookup. Undefined when everything is cached, so
   * the sequencing loop stays synchronous then.
   */
  prefetchExternal(exprs: readonly Expression[], mc: MessageContext, round = 0): Promise<void> | undefined {
    if (!this.hashicorp || round >= MAX_PREFETCH_ROUNDS) return undefined;
    if (!mc.payload.isReady && exprs.some((e) => e.contentAware)) {
      return mc.payload.load().then(() => this.prefetchExternal(exprs, mc, round));
    }
    const missing: ExternalRequest[] = [];
    const prev = this.collecting;
    this.collecting = missing;
    try {
      for (const e of exprs) {
        try {
          e.evaluate(mc);
        } catch {
          // the real evaluation reports it
        }
      }
    } finally {
      this.collecting = prev;
    }
    if (missing.length === 0) return undefined;
    return this.hashicorp.fetch(missing).then((got) => {
      const mine = this.fetchedFor.get(mc);
      if (mine) for (const [k, v] of got) mine.set(k, v);
      else this.fetchedFor.set(mc, got);
      return this.prefetchExternal(exprs, mc, round + 1);
    });
  }

  verify(): Promise<void> {
    return this.hashicorp ? this.hashicorp.verify() : Promise.resolve();
  }

  close(): void {
    this.hashicorp?.close();
  }
}
