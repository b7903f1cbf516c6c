/**
 * Checks the API key a request carries: its SHA-256 is looked up in the key store and the answer kept for
 * `[api_security] api_key_cache_ttl` seconds (30 by default), so a repeat costs one hash and one map lookup
 * and stays synchronous. The cache is per node: a key revoked with `mi api-key revoke` (on any node, or
 * with the server stopped) is refused everywhere once the entry ages out, within that TTL. Unknown keys are
 * remembered too, so a client retrying a wrong key does not reach the database each time. A store that
 * cannot be read refuses with 900900 and one log line per outage (MI_API_016). Keys are never logged.
 */
import { Errors } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import { apiKeyHash, type ApiKeyRecord } from './api-key-store.js';
import { FaultCodes, type GatewayRefusal } from './gateway-fault.js';

export interface ApiKeyAccepted {
  readonly failed?: undefined;
  /** `api.ut.userId` after admission: the key's name, else its id. */
  readonly label: string;
  readonly id: string;
}

export interface ApiKeyFailure extends GatewayRefusal {
  readonly failed: true;
}

export type ApiKeyOutcome = ApiKeyAccepted | ApiKeyFailure;

export interface ApiKeyLookup {
  find(hash: string): Promise<ApiKeyRecord | undefined>;
}

export interface ApiKeyCacheSettings {
  readonly ttlSeconds: number;
  readonly maxEntries: number;
}

const INVALID: ApiKeyFailure = Object.freeze({ failed: true, code: FaultCodes.INVALID_CREDENTIALS, reason: 'Invalid Credentials' });
const UNAVAILABLE: ApiKeyFailure = Object.freeze({ failed: true, code: FaultCodes.GENERAL_ERROR, reason: 'Error while reading the API keys' });

interface Entry {
  /** null: no key has this hash. */
  readonly record: ApiKeyRecord | null;
  readonly until: number;
}

export class ApiKeyVerifier {
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry | undefined>>();
  private down = false;

  constructor(
    private readonly store: ApiKeyLookup,
    private readonly settings: ApiKeyCacheSettings,
    private readonly log: Logger,
  ) {}

  /** The outcome for `key` on API `api`: synchronous when cached, else a Promise. */
  check(api: string, key: string): ApiKeyOutcome | Promise<ApiKeyOutcome> {
    const hash = apiKeyHash(key);
    const hit = this.cache.get(hash);
    if (hit !== undefined) {
      if (Date.now() < hit.until) return judge(hit.record, api);
      this.cache.delete(hash);
    }
    let p = this.pending.get(hash);
    if (p === undefined) {
      p = this.load(hash).finally(() => this.pending.delete(hash));
      this.pending.set(hash, p);
    }
    return p.then((e) => (e === undefined ? UNAVAILABLE : judge(e.record, api)));
  }

  private async load(hash: string): Promise<Entry | undefined> {
    let found: ApiKeyRecord | undefined;
    try {
      found = await this.store.find(hash);
    } catch (err) {
      if (!this.down) {
        this.down = true;
        this.log.error(`${Errors.API_KEY_STORE_UNAVAILABLE.code}  the API keys cannot be read (${(err as Error).message}); calls with an API key are refused until the database answers`);
      }
      return undefined;
    }
    if (this.down) {
      this.down = false;
      this.log.info('the API keys can be read again');
    }
    const entry: Entry = { record: found ?? null, until: Date.now() + this.settings.ttlSeconds * 1000 };
    if (this.settings.maxEntries > 0 && this.settings.ttlSeconds > 0) {
      if (this.cache.size >= this.settings.maxEntries) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(hash, entry);
    }
    return entry;
  }
}

/** Valid for this API, not revoked, not expired. */
function judge(r: ApiKeyRecord | null, api: string): ApiKeyOutcome {
  if (r === null || r.api !== api || r.revokedAt !== undefined) return INVALID;
  if (r.expiresAt !== undefined && Date.parse(r.expiresAt) <= Date.now()) return INVALID;
  return { label: r.label || r.id, id: r.id };
}
