/**
 * API keys in the database (the user store's: embedded SQLite, PostgreSQL or MySQL/MariaDB; table
 * `mi_api_keys`, src/store/schema.ts). A key is 32 random bytes, base64url, after the prefix `mik_` (so
 * secret scanners can spot a leaked one); it is shown once, at issue, and only its SHA-256 is kept.
 *
 * Why SHA-256 and not scrypt as for passwords: a slow, salted hash protects a secret a person chose,
 * which an attacker holding the table could guess. A key of 256 random bits cannot be guessed whatever the
 * hash, so a fast hash loses nothing, and it lets the gateway find a key by its hash (one indexed lookup)
 * and check it on every request in a microsecond, where scrypt would cost a third of a second a call.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Errors } from '../../errors.js';
import type { Database } from '../../store/database.js';
import { databaseStep } from '../../store/database-step.js';

export const API_KEY_PREFIX = 'mik_';

export interface ApiKeyRecord {
  readonly id: string;
  readonly api: string;
  readonly label: string;
  readonly createdAt: string;
  readonly expiresAt: string | undefined;
  readonly revokedAt: string | undefined;
}

/** The hash a key is stored and looked up by. */
export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

interface Row {
  id: string;
  api: string;
  label: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

function record(r: Row): ApiKeyRecord {
  return Object.freeze({ id: r.id, api: r.api, label: r.label, createdAt: r.created_at, expiresAt: r.expires_at ?? undefined, revokedAt: r.revoked_at ?? undefined });
}

export class ApiKeyStore {
  constructor(private readonly database: Database) {}

  private run<T>(what: string, step: () => Promise<T>): Promise<T> {
    return databaseStep(Errors.DB_UNAVAILABLE, `API keys in ${this.database.description}`, what, step);
  }

  /** A new key for `api`; the key itself is in the answer and nowhere else. */
  async issue(api: string, label: string, expiresAt: Date | undefined): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
    const row: Row = {
      id: randomBytes(6).toString('hex'),
      api,
      label,
      created_at: new Date().toISOString(),
      expires_at: expiresAt ? expiresAt.toISOString() : null,
      revoked_at: null,
    };
    await this.run('store a new key', () => this.database.db.insertInto('mi_api_keys').values({ ...row, key_hash: apiKeyHash(key) }).execute());
    return { key, record: record(row) };
  }

  /** Every key (of one API), oldest first; revoked and expired ones too. */
  async list(api?: string): Promise<ApiKeyRecord[]> {
    return this.run('list keys', async () => {
      let q = this.database.db.selectFrom('mi_api_keys').select(['id', 'api', 'label', 'created_at', 'expires_at', 'revoked_at']);
      if (api !== undefined) q = q.where('api', '=', api);
      return (await q.orderBy('created_at').orderBy('id').execute()).map(record);
    });
  }

  /** Marks the key revoked (it stays listed); false when no key has this id. */
  async revoke(id: string): Promise<ApiKeyRecord | undefined> {
    return this.run('revoke a key', async () => {
      const db = this.database.db;
      await db.updateTable('mi_api_keys').set({ revoked_at: new Date().toISOString() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
      const row = await db.selectFrom('mi_api_keys').select(['id', 'api', 'label', 'created_at', 'expires_at', 'revoked_at']).where('id', '=', id).executeTakeFirst();
      return row ? record(row) : undefined;
    });
  }

  /** The key with this hash, revoked or not; undefined when none. */
  async find(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.run('look a key up', async () => {
      const row = await this.database.db
        .selectFrom('mi_api_keys')
        .select(['id', 'api', 'label', 'created_at', 'expires_at', 'revoked_at'])
        .where('key_hash', '=', hash)
        .executeTakeFirst();
      return row ? record(row) : undefined;
    });
  }
}
