/**
 * OAuth2 applications (`mi app add|list|delete`) in the user store's database, table mi_oauth2_apps. The
 * client secret is 32 random bytes shown once; only its SHA-256 is kept: like an API key it cannot be
 * guessed from its hash, and a slow hash would cost every token request a third of a second for nothing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Errors, MiError } from '../../errors.js';
import type { Database } from '../../store/database.js';
import { databaseStep } from '../../store/database-step.js';
import { OAUTH2_GRANTS, type OAuth2Grant } from './oauth2-server-config.js';

export interface OAuth2App {
  readonly clientId: string;
  readonly name: string;
  /** SHA-256 of the secret, hex. */
  readonly secretHash: string;
  readonly grantTypes: readonly OAuth2Grant[];
  readonly redirectUris: readonly string[];
  readonly scopes: readonly string[];
  readonly createdAt: string;
}

export interface NewOAuth2App {
  readonly name: string;
  readonly grantTypes: readonly string[];
  readonly redirectUris: readonly string[];
  readonly scopes: readonly string[];
}

/** The hex SHA-256 a client secret is kept and compared as. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether `presented` is the secret whose hash is `hash`, in constant time. */
export function secretMatches(presented: string, hash: string): boolean {
  const a = Buffer.from(secretHash(presented), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

function fail(message: string): never {
  throw new MiError(Errors.OAUTH2_APP_ARGUMENT, message);
}

/** Checks what `mi app add` was given; the first problem is MI_API_071. */
export function checkNewApp(app: NewOAuth2App): void {
  if (!/^[\w.@-]{1,100}$/.test(app.name)) fail(`application name '${app.name}' must be 1 to 100 letters, digits, '.', '_', '-' or '@'`);
  if (app.grantTypes.length === 0) fail('give at least one --grant');
  for (const g of app.grantTypes) if (!(OAUTH2_GRANTS as readonly string[]).includes(g)) fail(`--grant '${g}' is not one of ${OAUTH2_GRANTS.join(', ')}`);
  for (const u of app.redirectUris) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      return fail(`--redirect-uri '${u}' is not an absolute URL`);
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash) fail(`--redirect-uri '${u}' must be an http(s) URL without a fragment`);
  }
  if (app.grantTypes.includes('authorization_code') && app.redirectUris.length === 0) fail('the authorization_code grant needs at least one --redirect-uri');
  for (const s of app.scopes) if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)) fail(`--scope '${s}' is not a valid OAuth2 scope token`);
}

const split = (v: string): string[] => v.split(' ').filter(Boolean);

export class OAuth2AppStore {
  constructor(private readonly database: Database) {}

  private run<T>(what: string, step: () => Promise<T>): Promise<T> {
    return databaseStep(Errors.OAUTH2_STORE_UNAVAILABLE, `OAuth2 applications in ${this.database.description}`, what, step);
  }

  /** Adds an application; returns it with its secret, the only time the secret exists outside the caller. */
  async add(app: NewOAuth2App): Promise<{ app: OAuth2App; secret: string }> {
    checkNewApp(app);
    const secret = randomBytes(32).toString('base64url');
    const row = {
      client_id: randomBytes(16).toString('base64url'),
      name_key: app.name.toLowerCase(),
      name: app.name,
      secret_hash: secretHash(secret),
      grant_types: [...new Set(app.grantTypes)].join(' '),
      redirect_uris: [...new Set(app.redirectUris)].join(' '),
      scope: [...new Set(app.scopes)].join(' '),
      created_at: new Date().toISOString(),
    };
    return this.run('add an application', async () => {
      const db = this.database.db;
      const taken = await db.selectFrom('mi_oauth2_apps').select('name').where('name_key', '=', row.name_key).executeTakeFirst();
      if (taken) fail(`an application named '${taken.name}' exists already; delete it first or choose another name`);
      await db.insertInto('mi_oauth2_apps').values(row).execute();
      return { app: toApp(row), secret };
    });
  }

  async list(): Promise<OAuth2App[]> {
    return this.run('list applications', async () => (await this.database.db.selectFrom('mi_oauth2_apps').selectAll().orderBy('name_key').execute()).map(toApp));
  }

  async find(clientId: string): Promise<OAuth2App | undefined> {
    return this.run('read an application', async () => {
      const r = await this.database.db.selectFrom('mi_oauth2_apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
      return r ? toApp(r) : undefined;
    });
  }

  /** Deletes by name (case-insensitive) or client id; false when none matches. */
  async remove(nameOrClientId: string): Promise<boolean> {
    return this.run('delete an application', async () => {
      const r = await this.database.db
        .deleteFrom('mi_oauth2_apps')
        .where((eb) => eb.or([eb('name_key', '=', nameOrClientId.toLowerCase()), eb('client_id', '=', nameOrClientId)]))
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }
}

function toApp(r: { client_id: string; name: string; secret_hash: string; grant_types: string; redirect_uris: string; scope: string; created_at: string }): OAuth2App {
  return Object.freeze({
    clientId: r.client_id,
    name: r.name,
    secretHash: r.secret_hash,
    grantTypes: Object.freeze(split(r.grant_types) as OAuth2Grant[]),
    redirectUris: Object.freeze(split(r.redirect_uris)),
    scopes: Object.freeze(split(r.scope)),
    createdAt: r.created_at,
  });
}
