/**
 * Opens one database behind Kysely, checks that it answers, and migrates it: the embedded SQLite file
 * (better-sqlite3, WAL, a busy timeout so a second process waits instead of failing), PostgreSQL (a pg
 * Pool) or MySQL / MariaDB (a mysql2 pool). Errors name the database and the cause, never the password.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, MysqlDialect, PostgresDialect, SqliteAdapter, SqliteDialect, SqliteDriver, sql, type DatabaseConnection } from 'kysely';
import type { TypeOverrides } from 'pg';
import { Errors, MiError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Database } from './database.js';
import type { DatasourceConfig, TlsSettings } from './datasource-config.js';
import { migrate } from './migrations.js';
import type { DatabaseSchema } from './schema.js';

/** How long a SQLite statement waits for another process's write lock before failing. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * SQLite transactions start with BEGIN IMMEDIATE: the write lock is taken up front, so a second process
 * waits (busy_timeout) rather than failing when it later tries to write. Migrations run in one such
 * transaction, which is what serialises two nodes migrating the same file.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class EmbeddedSqliteDialect extends SqliteDialect {
  constructor(private readonly handle: BetterSqlite3.Database) {
    super({ database: handle });
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver({ database: this.handle });
  }
  override createAdapter(): SqliteAdapter {
    return new TransactionalSqliteAdapter();
  }
}

/**
 * Switching a fresh file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once there
 * instead of calling the busy handler: when two nodes open a new file together, the second retries.
 */
function switchToWal(handle: BetterSqlite3.Database): void {
  const until = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      handle.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > until) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 + Math.floor(Math.random() * 20));
    }
  }
}

function openSqliteFile(file: string): BetterSqlite3.Database {
  const dir = path.dirname(file);
  // the user table holds password hashes: only the runtime's account reads the folder and the file
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  const handle = new BetterSqlite3(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    handle.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    switchToWal(handle);
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
  } catch (err) {
    handle.close();
    throw err;
  }
  return handle;
}

function pemFile(file: string | undefined, what: string, ds: DatasourceConfig): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new MiError(Errors.DATASOURCE_CONFIG, `[[datasource]] ${ds.id}: cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}

function tlsOptions(tls: TlsSettings, ds: DatasourceConfig): ConnectionOptions | undefined {
  if (tls.mode === 'off') return undefined;
  const files = {
    ca: pemFile(tls.caFile, 'sslrootcert', ds),
    cert: pemFile(tls.certFile, 'sslcert', ds),
    key: pemFile(tls.keyFile, 'sslkey', ds),
  };
  const given = Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined));
  if (tls.mode === 'no-verify') return { ...given, rejectUnauthorized: false };
  if (tls.mode === 'verify-ca') return { ...given, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...given, rejectUnauthorized: true };
}

type PgModule = (typeof import('pg'))['default'];

/** PostgreSQL BIGINT (COUNT, SUM of integers) and NUMERIC arrive as strings; the schema says number. */
function pgTypes(pg: PgModule): TypeOverrides {
  return {
    getTypeParser: ((oid: number, format?: string) =>
      oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  } as TypeOverrides;
}

interface Opened {
  db: Kysely<DatabaseSchema>;
  /** Where the migration history lives (PostgreSQL schema); undefined = the connection's default. */
  schema?: string;
}

/** The PostgreSQL and MySQL drivers load only when a datasource uses them (they cost ~100 ms each). */
async function createKysely(ds: DatasourceConfig, log?: Logger): Promise<Opened> {
  if (ds.dialect === 'sqlite') {
    let handle: BetterSqlite3.Database;
    try {
      handle = openSqliteFile(ds.file);
    } catch (err) {
      throw new MiError(Errors.DB_UNAVAILABLE, `cannot open ${ds.description}: ${(err as Error).message}`, { cause: err });
    }
    return { db: new Kysely<DatabaseSchema>({ dialect: new EmbeddedSqliteDialect(handle) }) };
  }
  if (ds.dialect === 'postgres') {
    if (ds.schema && !/^[A-Za-z_][\w$]*(,[A-Za-z_][\w$]*)*$/.test(ds.schema)) {
      throw new MiError(Errors.DATASOURCE_CONFIG, `[[datasource]] ${ds.id}: currentSchema '${ds.schema}' must be a comma-separated list of plain schema names`);
    }
    const pg = (await import('pg')).default;
    const pool = new pg.Pool({
      host: ds.host,
      port: ds.port,
      database: ds.database,
      user: ds.user,
      password: ds.password(),
      max: ds.pool.max,
      connectionTimeoutMillis: ds.pool.acquireTimeoutMs,
      idleTimeoutMillis: ds.pool.idleTimeoutMs,
      ssl: tlsOptions(ds.tls, ds) ?? false,
      application_name: ds.applicationName ?? 'mediation-runtime',
      options: ds.schema ? `-c search_path=${ds.schema}` : undefined,
      keepAlive: true,
      types: pgTypes(pg),
    });
    // an idle connection dropped by the server must not take the process down; the next query reconnects
    pool.on('error', (err) => log?.warn(`${Errors.DB_UNAVAILABLE.code}  ${ds.description}: an idle connection failed: ${err.message}`));
    return { db: new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) }) };
  }
  const { createPool } = await import('mysql2');
  const pool = createPool({
    host: ds.host,
    port: ds.port,
    database: ds.database,
    user: ds.user,
    password: ds.password(),
    connectionLimit: ds.pool.max,
    connectTimeout: ds.pool.acquireTimeoutMs || undefined,
    maxIdle: ds.pool.maxIdle,
    idleTimeout: ds.pool.idleTimeoutMs,
    ssl: tlsOptions(ds.tls, ds) as never,
    charset: 'utf8mb4',
    decimalNumbers: true,
    supportBigNumbers: true,
    dateStrings: true,
  });
  return { db: new Kysely<DatabaseSchema>({ dialect: new MysqlDialect({ pool }) }) };
}

/** A driver error in a few words a user can act on (no password is ever part of these). */
export function connectionCause(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  // node's net errors for a dual-stack host arrive as an AggregateError with an empty message
  if (!e?.message && Array.isArray(e?.errors) && e.errors.length) return connectionCause(e.errors[0]);
  const code = e?.code;
  const hints: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the server running and listening on that port?)',
    ENOTFOUND: 'unknown host',
    EAI_AGAIN: 'the host name cannot be resolved right now',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    '28P01': 'password authentication failed',
    '28000': 'the server refused the login (pg_hba.conf or missing role)',
    '3D000': 'the database does not exist',
    ER_ACCESS_DENIED_ERROR: 'access denied (user or password)',
    ER_BAD_DB_ERROR: 'the database does not exist',
    ER_DBACCESS_DENIED_ERROR: 'the user may not use this database',
  };
  const hint = code ? hints[code] : undefined;
  const message = e?.message || String(err);
  return hint ? `${hint}: ${message}` : message;
}

/** Opens the database, checks that it answers, and applies pending migrations. */
export async function openDatabase(ds: DatasourceConfig, log?: Logger): Promise<Database> {
  const { db } = await createKysely(ds, log);
  let schema: string | undefined;
  try {
    try {
      if (ds.dialect === 'postgres') {
        const r = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
        // a currentSchema that does not exist yet is created by the migrator (it checks before creating)
        schema = r.rows[0]?.schema ?? ds.schema?.split(',')[0]?.toLowerCase();
        if (!schema) throw new Error('no schema on the search path; give one with ?currentSchema=name');
      } else {
        await sql`select 1`.execute(db);
      }
    } catch (err) {
      throw new MiError(Errors.DB_UNAVAILABLE, `cannot connect to ${ds.description}: ${connectionCause(err)}`, { cause: err });
    }
    const applied = await migrate(db, ds.dialect, ds.description, schema);
    if (applied.length) log?.info(`${ds.description}: applied migrations ${applied.join(', ')}`);
  } catch (err) {
    await db.destroy().catch(() => {});
    throw err;
  }
  return {
    id: ds.id,
    dialect: ds.dialect,
    db,
    description: ds.description,
    close: () => db.destroy(),
  };
}
