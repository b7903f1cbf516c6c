/**
 * Management API token ids in the user store's database (table `mi_management_tokens`), so that every node
 * using that database accepts a token any of them issued, and a logout or a deleted user counts on all of
 * them at the next call. The management API is low traffic: each call costs one lookup and one update.
 *
 * The bound is the database's, not each node's. Nodes add without a lock: a new row goes in first and the
 * count is checked after, so two logins at once can never leave the store above max_size; at worst both
 * are refused (remove_oldest_token_on_overflow = false) or one extra old token is dropped.
 */
import { Errors, MiError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Database } from '../store/database.js';
import { connectionCause } from '../store/open-database.js';
import type { StoredToken, TokenStore, TokenStoreBounds } from './token-store.js';

const TABLE = 'mi_management_tokens';

export class DatabaseTokenStore implements TokenStore {
  readonly shared = true;
  /** Last access stamps are strictly increasing in this process, so two uses in one millisecond still order. */
  private lastStamp = 0;
  private outage = false;

  constructor(
    private readonly database: Database,
    private readonly bounds: TokenStoreBounds,
    private readonly log: Logger,
  ) {}

  private stamp(now: number): number {
    this.lastStamp = Math.max(now, this.lastStamp + 1);
    return this.lastStamp;
  }

  /** Runs a query; a failure is one warning per outage and a 503 for the caller (fail closed). */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      const r = await work();
      if (this.outage) {
        this.outage = false;
        this.log.info(`the management token store (${this.database.description}) is reachable again`);
      }
      return r;
    } catch (err) {
      const cause = connectionCause(err);
      if (!this.outage) {
        this.outage = true;
        this.log.warn(`${Errors.MGT_TOKEN_STORE_UNAVAILABLE.code}  the management token store (${this.database.description}) cannot be reached: ${cause}; logins and token checks are refused until it is back`);
      }
      throw new MiError(Errors.MGT_TOKEN_STORE_UNAVAILABLE, 'the management token store cannot be reached; try again later (see the server log)', { cause: err });
    }
  }

  add(id: string, token: StoredToken, now: number): Promise<boolean> {
    const db = this.database.db;
    return this.guard(async () => {
      await db.deleteFrom(TABLE).where('expires_at', '<=', now).execute();
      await db
        .insertInto(TABLE)
        .values({ id, user_key: token.user.toLowerCase(), user_name: token.user, is_admin: token.isAdmin ? 1 : 0, expires_at: token.expiresAt, last_access: this.stamp(now) })
        .execute();
      const excess = (await this.count()) - this.bounds.capacity;
      if (excess <= 0) return true;
      if (!this.bounds.removeOldest) {
        await db.deleteFrom(TABLE).where('id', '=', id).execute();
        return false;
      }
      const oldest = await db.selectFrom(TABLE).select('id').where('id', '!=', id).orderBy('last_access').orderBy('id').limit(excess).execute();
      if (oldest.length) {
        await db
          .deleteFrom(TABLE)
          .where(
            'id',
            'in',
            oldest.map((r) => r.id),
          )
          .execute();
      }
      return true;
    });
  }

  use(id: string, now: number): Promise<StoredToken | undefined> {
    const db = this.database.db;
    return this.guard(async () => {
      const row = await db.selectFrom(TABLE).select(['user_name', 'is_admin', 'expires_at']).where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const expiresAt = Number(row.expires_at);
      if (expiresAt <= now) {
        await db.deleteFrom(TABLE).where('id', '=', id).execute();
        return undefined;
      }
      await db.updateTable(TABLE).set({ last_access: this.stamp(now) }).where('id', '=', id).execute();
      return { user: row.user_name, isAdmin: Number(row.is_admin) === 1, expiresAt };
    });
  }

  remove(id: string): Promise<boolean> {
    return this.guard(async () => {
      const r = await this.database.db.deleteFrom(TABLE).where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  removeUser(name: string): Promise<void> {
    return this.guard(async () => {
      await this.database.db.deleteFrom(TABLE).where('user_key', '=', name.toLowerCase()).execute();
    });
  }

  size(): Promise<number> {
    return this.guard(() => this.count());
  }

  private async count(): Promise<number> {
    const r = await this.database.db
      .selectFrom(TABLE)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
