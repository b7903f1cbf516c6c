/**
 * Where the token service keeps oidc-provider's state (grants, refresh tokens, codes, sessions, login
 * interactions, and one record per access token: its revocation deletes the record). Memory is this
 * process alone; the database (the user store's: SQLite, PostgreSQL, MySQL) and Redis are shared by every
 * node that uses them, so a refresh token issued by one node is redeemed at another and a revocation holds
 * everywhere.
 */
import { Redis } from 'ioredis';
import type { Database } from '../../store/database.js';

export type StatePayload = Record<string, unknown> & { grantId?: string; uid?: string; consumed?: number };

/** The models whose records are access tokens: a JWT is alive while one of these holds its jti. */
export const ACCESS_TOKEN_MODELS = ['AccessToken', 'ClientCredentials'] as const;

export interface ProviderState {
  readonly shared: boolean;
  upsert(model: string, id: string, payload: StatePayload, expiresIn: number | undefined): Promise<void>;
  find(model: string, id: string): Promise<StatePayload | undefined>;
  findByUid(model: string, uid: string): Promise<StatePayload | undefined>;
  consume(model: string, id: string): Promise<void>;
  destroy(model: string, id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
  /** Whether an access token's record (either model) exists: false once revoked. Synchronous in memory. */
  alive(jti: string): boolean | Promise<boolean>;
  close(): Promise<void>;
}

const now = (): number => Math.floor(Date.now() / 1000);

interface MemoryEntry {
  payload: StatePayload;
  expiresAt: number | undefined;
}

export class MemoryState implements ProviderState {
  readonly shared = false;
  private readonly entries = new Map<string, MemoryEntry>();
  private readonly sweeper = setInterval(() => this.sweep(), 60_000).unref();

  private live(key: string): MemoryEntry | undefined {
    const e = this.entries.get(key);
    if (e?.expiresAt !== undefined && e.expiresAt <= now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private sweep(): void {
    for (const k of this.entries.keys()) this.live(k);
  }

  async upsert(model: string, id: string, payload: StatePayload, expiresIn: number | undefined): Promise<void> {
    this.entries.set(`${model}:${id}`, { payload: structuredClone(payload), expiresAt: expiresIn ? now() + expiresIn : undefined });
  }

  async find(model: string, id: string): Promise<StatePayload | undefined> {
    const e = this.live(`${model}:${id}`);
    return e && structuredClone(e.payload);
  }

  async findByUid(model: string, uid: string): Promise<StatePayload | undefined> {
    for (const [k, e] of this.entries) if (k.startsWith(`${model}:`) && e.payload.uid === uid && this.live(k)) return structuredClone(e.payload);
    return undefined;
  }

  async consume(model: string, id: string): Promise<void> {
    const e = this.live(`${model}:${id}`);
    if (e) e.payload.consumed = now();
  }

  async destroy(model: string, id: string): Promise<void> {
    this.entries.delete(`${model}:${id}`);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [k, e] of this.entries) if (e.payload.grantId === grantId) this.entries.delete(k);
  }

  alive(jti: string): boolean {
    return ACCESS_TOKEN_MODELS.some((m) => this.live(`${m}:${jti}`) !== undefined);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }
}

export class DatabaseState implements ProviderState {
  readonly shared = true;
  private readonly sweeper = setInterval(() => void this.sweep().catch(() => {}), 300_000).unref();

  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.db;
  }

  private async sweep(): Promise<void> {
    await this.db.deleteFrom('mi_oauth2_state').where('expires_at', '<=', now()).execute();
  }

  async upsert(model: string, id: string, payload: StatePayload, expiresIn: number | undefined): Promise<void> {
    const row = {
      model,
      id,
      payload: JSON.stringify(payload),
      grant_id: typeof payload.grantId === 'string' ? payload.grantId : null,
      uid: typeof payload.uid === 'string' ? payload.uid : null,
      expires_at: expiresIn ? now() + expiresIn : null,
    };
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('mi_oauth2_state').where('model', '=', model).where('id', '=', id).execute();
      await tx.insertInto('mi_oauth2_state').values(row).execute();
    });
  }

  private async row(model: string, column: 'id' | 'uid', value: string): Promise<StatePayload | undefined> {
    const r = await this.db
      .selectFrom('mi_oauth2_state')
      .select(['payload', 'expires_at'])
      .where('model', '=', model)
      .where(column, '=', value)
      .executeTakeFirst();
    if (!r || (r.expires_at !== null && Number(r.expires_at) <= now())) return undefined;
    return JSON.parse(r.payload) as StatePayload;
  }

  find(model: string, id: string): Promise<StatePayload | undefined> {
    return this.row(model, 'id', id);
  }

  findByUid(model: string, uid: string): Promise<StatePayload | undefined> {
    return this.row(model, 'uid', uid);
  }

  async consume(model: string, id: string): Promise<void> {
    const p = await this.find(model, id);
    if (!p) return;
    p.consumed = now();
    await this.db.updateTable('mi_oauth2_state').set({ payload: JSON.stringify(p) }).where('model', '=', model).where('id', '=', id).execute();
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.db.deleteFrom('mi_oauth2_state').where('model', '=', model).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.deleteFrom('mi_oauth2_state').where('grant_id', '=', grantId).execute();
  }

  async alive(jti: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('mi_oauth2_state')
      .select('expires_at')
      .where('model', 'in', [...ACCESS_TOKEN_MODELS])
      .where('id', '=', jti)
      .executeTakeFirst();
    return r !== undefined && (r.expires_at === null || Number(r.expires_at) > now());
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}

/** oidc-provider's Redis recipe: one JSON value per record with its TTL, a set of keys per grant, an index by uid. */
export class RedisState implements ProviderState {
  readonly shared = true;
  private readonly redis: Redis;

  constructor(url: string, private readonly prefix: string) {
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  }

  private key(model: string, id: string): string {
    return `${this.prefix}${model}:${id}`;
  }

  async upsert(model: string, id: string, payload: StatePayload, expiresIn: number | undefined): Promise<void> {
    const key = this.key(model, id);
    const m = this.redis.multi();
    if (expiresIn) m.set(key, JSON.stringify(payload), 'EX', expiresIn);
    else m.set(key, JSON.stringify(payload));
    if (typeof payload.grantId === 'string') {
      const g = `${this.prefix}grant:${payload.grantId}`;
      m.rpush(g, key);
      // the grant's list lives as long as its longest record
      if (expiresIn) m.expire(g, expiresIn, 'GT').expire(g, expiresIn, 'NX');
    }
    if (typeof payload.uid === 'string') m.set(`${this.prefix}uid:${model}:${payload.uid}`, id, ...((expiresIn ? ['EX', expiresIn] : []) as ['EX', number]));
    await m.exec();
  }

  async find(model: string, id: string): Promise<StatePayload | undefined> {
    const v = await this.redis.get(this.key(model, id));
    return v === null ? undefined : (JSON.parse(v) as StatePayload);
  }

  async findByUid(model: string, uid: string): Promise<StatePayload | undefined> {
    const id = await this.redis.get(`${this.prefix}uid:${model}:${uid}`);
    return id === null ? undefined : this.find(model, id);
  }

  async consume(model: string, id: string): Promise<void> {
    const key = this.key(model, id);
    const v = await this.redis.get(key);
    if (v === null) return;
    const p = JSON.parse(v) as StatePayload;
    p.consumed = now();
    await this.redis.set(key, JSON.stringify(p), 'KEEPTTL');
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.redis.del(this.key(model, id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const g = `${this.prefix}grant:${grantId}`;
    const keys = await this.redis.lrange(g, 0, -1);
    await this.redis.del(...keys, g);
  }

  async alive(jti: string): Promise<boolean> {
    return (await this.redis.exists(...ACCESS_TOKEN_MODELS.map((m) => this.key(m, jti)))) > 0;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
