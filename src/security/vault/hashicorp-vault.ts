/**
 * hashicorp:vault-lookup: secrets read from HashiCorp Vault's KV engine (v1 or v2), cached per namespace,
 * path and field for cacheableDuration. XPath evaluation is synchronous, so reads happen ahead of it: the
 * sequencing loop awaits fetch() for the lookups a mediator is about to make (see prefetch.ts), and the
 * XPath function then reads the cache with cached(). When Vault is down, a cached value is served until it
 * expires; after that the lookup faults with MI_SEC_008. An AppRole token is renewed by logging in again
 * when it expires (or when Vault refuses it).
 */
import type { Logger } from '../../logging/logger.js';
import { Errors, MiError } from '../../errors.js';
import type { RevealedSecrets } from './revealed-secrets.js';
import { TtlCache } from './ttl-cache.js';
import { HashiCorpClient, VaultUnreachableError, vaultErrors, type VaultResponse } from './hashicorp-client.js';
import type { HashiCorpConfig } from './hashicorp-config.js';

export interface ExternalRequest {
  readonly namespace: string | undefined;
  readonly path: string;
  readonly field: string;
  readonly key: string;
}

/** Log in again this long before the AppRole token expires (the Java driver's margin). */
const TOKEN_MARGIN_MS = 2000;

export class HashiCorpVault {
  private readonly cache: TtlCache<string>;
  private readonly fetchedAt = new Map<string, number>();
  private readonly client: HashiCorpClient;
  private token: { value: string; expires: number } | undefined;
  private login: Promise<string> | undefined;
  private readonly inflight = new Map<string, Promise<Record<string, unknown>>>();

  constructor(
    readonly cfg: HashiCorpConfig,
    private readonly revealed: RevealedSecrets,
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.cache = new TtlCache(cfg.cacheMs);
    this.client = new HashiCorpClient(cfg);
    // the credentials are secrets too
    if (cfg.auth.kind === 'token') revealed.add(cfg.auth.token);
    else revealed.add(cfg.auth.secretId);
  }

  /** The lookup that `hashicorp:vault-lookup(args)` makes, or undefined for an arity Micro Integrator answers with ''. */
  request(args: readonly string[]): ExternalRequest | undefined {
    if (args.length !== 2 && args.length !== 3) return undefined;
    const a = args.map((v) => this.envArg(v));
    const [namespace, path, field] = a.length === 3 ? [a[0] || undefined, a[1]!, a[2]!] : [undefined, a[0]!, a[1]!];
    return { namespace, path, field, key: `${namespace ?? ''}\u0000${path}\u0000${field}` };
  }

  private envArg(v: string): string {
    const m = /^\$env:(.+)$/.exec(v.trim());
    if (!m) return v;
    const value = this.env[m[1]!];
    if (value === undefined) throw new MiError(Errors.SECRET_MISSING, `hashicorp:vault-lookup argument $env:${m[1]} names an environment variable that is not set`);
    return value;
  }

  cached(req: ExternalRequest): string | undefined {
    return this.cache.get(req.key);
  }

  /** Raised when a lookup runs where nothing fetched it first (an expression outside a mediator). */
  notFetched(req: ExternalRequest): MiError {
    return new MiError(
      Errors.EXTERNAL_VAULT_UNAVAILABLE,
      `hashicorp:vault-lookup(${describe(req)}) was not fetched from Vault before it was read; look it up in a mediator (e.g. a property) and use that property here`,
    );
  }

  /**
   * Reads the requested secrets, one Vault call per namespace and path, and caches them. Returns them by
   * request key as well, for the message that asked (with cacheableDuration = 0 the cache keeps nothing).
   */
  async fetch(reqs: readonly ExternalRequest[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const byPath = new Map<string, ExternalRequest[]>();
    for (const r of reqs) {
      const k = `${r.namespace ?? ''}\u0000${r.path}`;
      byPath.set(k, [...(byPath.get(k) ?? []), r]);
    }
    await Promise.all(
      [...byPath.entries()].map(async ([k, list]) => {
        let data: Record<string, unknown>;
        try {
          data = await this.readOnce(k, list[0]!);
        } catch (err) {
          throw this.expired(err, list);
        }
        for (const r of list) {
          const v = data[r.field];
          if (v === undefined || v === null) {
            this.log.warn(`Cannot find a vault secret from the HashiCorp vault for, ${describe(r)}`);
            throw new MiError(Errors.EXTERNAL_SECRET_NOT_FOUND, `HashiCorp Vault has no field '${r.field}' at path '${r.path}'${r.namespace ? ` in namespace '${r.namespace}'` : ''}`);
          }
          const value = typeof v === 'string' ? v : JSON.stringify(v);
          this.revealed.add(value);
          this.cache.set(r.key, value);
          this.fetchedAt.set(r.key, Date.now());
          out.set(r.key, value);
        }
      }),
    );
    return out;
  }

  /** Says, for an outage, that the cached value has run out (the reason the lookup fails now). */
  private expired(err: unknown, list: ExternalRequest[]): unknown {
    if (!(err instanceof VaultUnreachableError)) return err;
    const at = this.fetchedAt.get(list[0]!.key);
    const note = at === undefined ? 'no value was cached' : `the value cached ${Math.round((Date.now() - at) / 1000)} s ago has expired (cacheableDuration ${this.cfg.cacheMs} ms)`;
    return new MiError(Errors.EXTERNAL_VAULT_UNAVAILABLE, `${err.message} while reading ${describe(list[0]!)}, and ${note}`);
  }

  /** Concurrent requests for one path share one Vault call. */
  private readOnce(k: string, r: ExternalRequest): Promise<Record<string, unknown>> {
    let p = this.inflight.get(k);
    if (!p) {
      p = this.read(r).finally(() => this.inflight.delete(k));
      this.inflight.set(k, p);
    }
    return p;
  }

  private async read(r: ExternalRequest, retried = false): Promise<Record<string, unknown>> {
    const token = await this.currentToken();
    const res = await this.client.request('GET', this.apiPath(r.path), { token, namespace: r.namespace ?? this.cfg.namespace });
    if (res.status === 403 && this.cfg.auth.kind === 'approle' && !retried) {
      // the token was revoked or expired early: log in again once
      this.token = undefined;
      return this.read(r, true);
    }
    if (res.status === 403) {
      const hint = this.cfg.auth.kind === 'token' ? 'check rootToken' : "check the AppRole's policies";
      throw new MiError(Errors.EXTERNAL_VAULT_UNAVAILABLE, `HashiCorp Vault at ${this.cfg.address} refused to read '${r.path}': ${vaultErrors(res)} (${hint})`);
    }
    if (res.status === 404) throw new MiError(Errors.EXTERNAL_SECRET_NOT_FOUND, `HashiCorp Vault has no secret at path '${r.path}'${r.namespace ? ` in namespace '${r.namespace}'` : ''} (KV engine version ${this.cfg.engineVersion})`);
    if (res.status < 200 || res.status >= 300) throw new VaultUnreachableError(Errors.EXTERNAL_VAULT_UNAVAILABLE, `HashiCorp Vault at ${this.cfg.address} answered ${res.status} for '${r.path}': ${vaultErrors(res)}`);
    const data = res.body['data'] as Record<string, unknown> | undefined;
    const values = this.cfg.engineVersion === 2 ? (data?.['data'] as Record<string, unknown> | undefined) : data;
    return values ?? {};
  }

  /** KV v2 keeps secrets under <mount>/data/<path>; v1 reads the path as written. */
  private apiPath(p: string): string {
    const clean = p.replace(/^\/+/, '');
    if (this.cfg.engineVersion === 1) return clean;
    const slash = clean.indexOf('/');
    return slash < 0 ? `${clean}/data` : `${clean.slice(0, slash)}/data/${clean.slice(slash + 1)}`;
  }

  private currentToken(): Promise<string> | string {
    const auth = this.cfg.auth;
    if (auth.kind === 'token') return auth.token;
    if (this.token && (this.token.expires === Infinity || Date.now() < this.token.expires - TOKEN_MARGIN_MS)) return this.token.value;
    if (!this.login) {
      this.login = this.appRoleLogin(auth.roleId, auth.secretId).finally(() => (this.login = undefined));
    }
    return this.login;
  }

  private async appRoleLogin(roleId: string, secretId: string): Promise<string> {
    const res: VaultResponse = await this.client.request('POST', 'auth/approle/login', { namespace: this.cfg.namespace, body: { role_id: roleId, secret_id: secretId } });
    const auth = res.body['auth'] as { client_token?: string; lease_duration?: number } | undefined;
    if (res.status !== 200 || !auth?.client_token) {
      throw new MiError(Errors.EXTERNAL_VAULT_UNAVAILABLE, `HashiCorp Vault at ${this.cfg.address} refused the AppRole login: ${vaultErrors(res)} (check roleId and secretId)`);
    }
    this.revealed.add(auth.client_token);
    const lease = Number(auth.lease_duration ?? 0);
    this.token = { value: auth.client_token, expires: lease > 0 ? Date.now() + lease * 1000 : Infinity };
    this.log.debug(`Logged in to HashiCorp Vault at ${this.cfg.address} with AppRole; token valid for ${lease > 0 ? `${lease} s` : 'ever'}`);
    return auth.client_token;
  }

  /** At start: checks the token (or logs in) and says what it found, without holding the start up. */
  async verify(): Promise<void> {
    try {
      const token = await this.currentToken();
      if (this.cfg.auth.kind === 'approle') {
        this.log.info(`HashiCorp Vault at ${this.cfg.address}: AppRole login succeeded`);
        return;
      }
      const res = await this.client.request('GET', 'auth/token/lookup-self', { token, namespace: this.cfg.namespace });
      if (res.status === 200) this.log.info(`HashiCorp Vault at ${this.cfg.address}: token accepted`);
      else this.log.warn(`${Errors.EXTERNAL_VAULT_UNAVAILABLE.code}  HashiCorp Vault at ${this.cfg.address} rejected the configured rootToken: ${vaultErrors(res)}`);
    } catch (err) {
      this.log.warn(`${(err as MiError).code ?? Errors.EXTERNAL_VAULT_UNAVAILABLE.code}  ${(err as Error).message}; lookups will fault until it answers`);
    }
  }

  close(): void {
    this.client.close();
  }
}

function describe(r: ExternalRequest): string {
  return `${r.namespace ? `Namespace: ${r.namespace}, ` : ''}Path: ${r.path}, Field: ${r.field}`;
}
