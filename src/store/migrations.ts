/**
 * Versioned schema changes, applied at start by Kysely's Migrator. Applying them again is a no-op, and two
 * nodes starting at once are safe: the Migrator takes a lock per dialect (a PostgreSQL advisory lock, MySQL
 * GET_LOCK; for SQLite the run happens in one `BEGIN IMMEDIATE` transaction, see open-database.ts) and
 * records each applied migration in `mi_migrations`. Migrations are never edited once released: a change
 * is a new entry at the end of the list.
 */
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { Errors, MiError } from '../errors.js';
import type { Dialect } from './database.js';

export const MIGRATION_TABLE = 'mi_migrations';
export const MIGRATION_LOCK_TABLE = 'mi_migrations_lock';
/** The role every store has from the start; `[super_admin] admin_role` may name another one (created at start). */
export const DEFAULT_ADMIN_ROLE = 'admin';

type AnyDb = Kysely<any>;

/**
 * Lower-cased keys are compared byte for byte: MySQL's default collations would also treat 'é' and 'e' (or
 * trailing spaces) as equal and refuse a distinct user as a duplicate.
 */
function keyType(dialect: Dialect) {
  return dialect === 'mysql' ? sql`varchar(255) character set utf8mb4 collate utf8mb4_bin` : sql`varchar(255)`;
}

function usersRolesAndCounts(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb): Promise<void> {
      const key = keyType(dialect);
      // `if not exists` everywhere: MySQL cannot roll DDL back, so a half-applied run must be re-runnable
      await db.schema
        .createTable('mi_users')
        .ifNotExists()
        .addColumn('name_key', key, (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('password_hash', 'varchar(512)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('mi_roles')
        .ifNotExists()
        .addColumn('name_key', key, (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('mi_user_roles')
        .ifNotExists()
        .addColumn('user_key', key, (c) => c.notNull().references('mi_users.name_key').onDelete('cascade'))
        .addColumn('role_key', key, (c) => c.notNull().references('mi_roles.name_key').onDelete('cascade'))
        .addPrimaryKeyConstraint('mi_user_roles_pk', ['user_key', 'role_key'])
        .execute();
      await db.schema.createIndex('mi_user_roles_role').ifNotExists().on('mi_user_roles').column('role_key').execute();
      await db.schema
        .createTable('mi_transaction_counts')
        .ifNotExists()
        .addColumn('hour', 'varchar(13)', (c) => c.primaryKey())
        // a busy node passes 2^31 requests in a few months
        .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      const exists = await db.selectFrom('mi_roles').select('name_key').where('name_key', '=', DEFAULT_ADMIN_ROLE).executeTakeFirst();
      if (!exists) await db.insertInto('mi_roles').values({ name_key: DEFAULT_ADMIN_ROLE, name: DEFAULT_ADMIN_ROLE }).execute();
    },
  };
}

/** API keys of `mi api-key issue`, kept as SHA-256 hashes (security/gateway/api-key-store.ts). */
function apiKeys(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb): Promise<void> {
      const key = keyType(dialect);
      await db.schema
        .createTable('mi_api_keys')
        .ifNotExists()
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('key_hash', dialect === 'mysql' ? sql`char(64) character set ascii collate ascii_bin` : sql`char(64)`, (c) => c.notNull().unique())
        .addColumn('api', key, (c) => c.notNull())
        .addColumn('label', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(32)')
        .addColumn('revoked_at', 'varchar(32)')
        .execute();
      await db.schema.createIndex('mi_api_keys_api').ifNotExists().on('mi_api_keys').column('api').execute();
    },
  };
}

/**
 * Client certificates per API (`mi api-cert`), shaped as API Manager's AM_API_CLIENT_CERTIFICATE: a deletion
 * sets `removed`, and (api, alias, removed) is the key, so an alias can be registered again once removed.
 */
function apiClientCertificates(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb): Promise<void> {
      const key = keyType(dialect);
      await db.schema
        .createTable('mi_api_client_certificates')
        .ifNotExists()
        .addColumn('api', key, (c) => c.notNull())
        .addColumn('alias', key, (c) => c.notNull())
        .addColumn('certificate', 'text', (c) => c.notNull())
        .addColumn('tier', 'varchar(64)', (c) => c.notNull())
        .addColumn('removed', 'smallint', (c) => c.notNull().defaultTo(0))
        .addColumn('added_at', 'varchar(32)', (c) => c.notNull())
        .addPrimaryKeyConstraint('mi_api_client_certificates_pk', ['api', 'alias', 'removed'])
        .execute();
    },
  };
}

/** Management API tokens shared by every node of the database (src/management/database-token-store.ts). */
function managementTokens(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb): Promise<void> {
      await db.schema
        .createTable('mi_management_tokens')
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_key', keyType(dialect), (c) => c.notNull())
        .addColumn('user_name', 'varchar(255)', (c) => c.notNull())
        .addColumn('is_admin', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('last_access', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mi_management_tokens_user').ifNotExists().on('mi_management_tokens').column('user_key').execute();
    },
  };
}

/**
 * The token service (`[oauth2_server]`): OAuth2 applications of `mi app add` (the secret as a SHA-256 hash),
 * and the provider's state that several nodes must share (refresh tokens, codes, grants, sessions; an
 * access token's row is what keeps it from being revoked), by model and id.
 */
function oauth2Server(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb): Promise<void> {
      const key = keyType(dialect);
      const ascii = dialect === 'mysql' ? sql`varchar(255) character set ascii collate ascii_bin` : sql`varchar(255)`;
      await db.schema
        .createTable('mi_oauth2_apps')
        .ifNotExists()
        .addColumn('client_id', ascii, (c) => c.primaryKey())
        .addColumn('name_key', key, (c) => c.notNull().unique())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('secret_hash', dialect === 'mysql' ? sql`char(64) character set ascii collate ascii_bin` : sql`char(64)`, (c) => c.notNull())
        .addColumn('grant_types', 'varchar(255)', (c) => c.notNull())
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('scope', 'varchar(1024)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('mi_oauth2_state')
        .ifNotExists()
        .addColumn('model', 'varchar(64)', (c) => c.notNull())
        .addColumn('id', ascii, (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'varchar(255)')
        .addColumn('uid', 'varchar(255)')
        .addColumn('expires_at', 'bigint')
        .addPrimaryKeyConstraint('mi_oauth2_state_pk', ['model', 'id'])
        .execute();
      await db.schema.createIndex('mi_oauth2_state_grant').ifNotExists().on('mi_oauth2_state').column('grant_id').execute();
      await db.schema.createIndex('mi_oauth2_state_uid').ifNotExists().on('mi_oauth2_state').column('uid').execute();
      await db.schema.createIndex('mi_oauth2_state_expires').ifNotExists().on('mi_oauth2_state').column('expires_at').execute();
    },
  };
}

/** Every migration in order; the names sort in the order they apply. */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_users_roles_transaction_counts': usersRolesAndCounts(dialect),
    '0002_api_keys': apiKeys(dialect),
    '0003_api_client_certificates': apiClientCertificates(dialect),
    '0004_management_tokens': managementTokens(dialect),
    '0005_oauth2_server': oauth2Server(dialect),
  };
}

/**
 * Brings the database up to date. `schema` is where the migration tables live (PostgreSQL: the current
 * schema, so each schema of a shared database keeps its own history). Returns the names applied now.
 */
export async function migrate(db: AnyDb, dialect: Dialect, description: string, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const cause = error instanceof Error ? error.message : String(error);
    const newer = /missing|corrupted/i.test(cause) ? ' (the database was migrated by a newer version of this runtime?)' : '';
    throw new MiError(Errors.DB_MIGRATION, `cannot bring ${description} up to date${failed ? ` (migration ${failed})` : ''}: ${cause}${newer}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
