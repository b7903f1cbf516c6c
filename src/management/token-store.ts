/**
 * Where the ids of live management API tokens are kept, as Micro Integrator's JWTTokenStore: a token whose
 * id is not in the store is refused even if its signature and expiry are fine. The store is bounded
 * (`token_store_config.max_size`); when full it drops the least recently used token, or refuses the login
 * when `remove_oldest_token_on_overflow = false`.
 *
 * MemoryTokenStore keeps them in this process (HS256 tokens, whose key dies with the process anyway);
 * DatabaseTokenStore (database-token-store.ts) keeps them in the user store's database, shared by every
 * node that uses it.
 */

export interface StoredToken {
  readonly user: string;
  readonly isAdmin: boolean;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

export interface TokenStoreBounds {
  /** `token_store_config.max_size`. */
  readonly capacity: number;
  /** When full: drop the least recently used token (true) or refuse the new one (false). */
  readonly removeOldest: boolean;
}

export interface TokenStore {
  /** True when other nodes see the same tokens (for the start log line). */
  readonly shared: boolean;
  /** Records a new token; false when the store is full and may not drop one. */
  add(id: string, token: StoredToken, now: number): Promise<boolean>;
  /** The token if it is held and not expired, marked as used now (least recently used goes first). */
  use(id: string, now: number): Promise<StoredToken | undefined>;
  /** Logout: true when the id was held. */
  remove(id: string): Promise<boolean>;
  /** Every token of a user (deleted user); `name` in any case. */
  removeUser(name: string): Promise<void>;
  /** Tokens held, expired ones included until the next add. */
  size(): Promise<number>;
  close?(): Promise<void>;
}

export class MemoryTokenStore implements TokenStore {
  readonly shared = false;
  /** Token id -> token, least recently used first (a Map keeps insertion order). */
  private readonly held = new Map<string, StoredToken>();

  constructor(private readonly bounds: TokenStoreBounds) {}

  async add(id: string, token: StoredToken, now: number): Promise<boolean> {
    for (const [k, t] of this.held) if (t.expiresAt <= now) this.held.delete(k);
    if (this.held.size >= this.bounds.capacity) {
      if (!this.bounds.removeOldest) return false;
      this.held.delete(this.held.keys().next().value!);
    }
    this.held.set(id, token);
    return true;
  }

  async use(id: string, now: number): Promise<StoredToken | undefined> {
    const t = this.held.get(id);
    if (!t || t.expiresAt <= now) return undefined;
    // move it to the end: the least recently used goes first on overflow
    this.held.delete(id);
    this.held.set(id, t);
    return t;
  }

  async remove(id: string): Promise<boolean> {
    return this.held.delete(id);
  }

  async removeUser(name: string): Promise<void> {
    const key = name.toLowerCase();
    for (const [id, t] of this.held) if (t.user.toLowerCase() === key) this.held.delete(id);
  }

  async size(): Promise<number> {
    return this.held.size;
  }
}
