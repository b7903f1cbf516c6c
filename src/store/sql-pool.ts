/**
 * A connection pool for SQL written by users (the dblookup and dbreport mediators), on PostgreSQL (pg) or
 * MySQL / MariaDB (mysql2): statements (in the driver's placeholder syntax, jdbc-placeholders.ts) run as
 * prepared statements with bound values, never as text built from them. Results come back as JDBC's getObject().toString() would print
 * them (jdbc-text.ts). The driver loads on first use; connections open when a statement needs one, so a
 * database that is down at deploy time fails messages, not the deployment. close() waits for the statements
 * in flight.
 */
import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import type { Pool as PgPool, PoolClient, FieldDef } from 'pg';
import type { Pool as MyPool, FieldPacket } from 'mysql2/promise';
import { Errors } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { TlsSettings } from './datasource-config.js';
import { connectionCause } from './open-database.js';
import { jdbcText, type JdbcKind } from './jdbc-text.js';
import { readFileSync } from 'node:fs';

export type Isolation = 'READ UNCOMMITTED' | 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

export interface SqlTarget {
  readonly dialect: 'postgres' | 'mysql';
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string | undefined;
  /** A function, so the password never shows up when the settings are logged or serialized. */
  readonly password: () => string | undefined;
  readonly tls: TlsSettings;
  readonly schema?: string;
  /** Most open connections. */
  readonly max: number;
  /** Most idle connections kept (MySQL / MariaDB). */
  readonly maxIdle?: number;
  /** ms to wait for a connection (connect, or a free pooled one); 0 = no limit. */
  readonly maxWaitMs: number;
  readonly idleTimeoutMs: number;
  /** autocommit = false: every statement runs in a transaction, committed or rolled back after it. */
  readonly autocommit: boolean;
  readonly isolation?: Isolation;
  /** testonborrow with validationquery: run before handing out a connection; a failing one is replaced. */
  readonly validationQuery?: string;
  /** Where it is, for logs and errors (never the password). */
  readonly description: string;
}

export interface SqlRows {
  readonly columns: readonly string[];
  /** Each value as JDBC's getObject().toString() prints it; null for SQL NULL. */
  readonly rows: readonly (readonly (string | null)[])[];
}

/** A failure to get a connection (down, refused login), as opposed to a statement that failed. */
export class SqlConnectError extends Error {}

/** One connection handed out by the pool: run statements, then release. */
interface Lease {
  /** The user's statement, JDBC placeholders bound to `params`. */
  query(sql: string, params: readonly unknown[]): Promise<SqlRows & { affected: number }>;
  /** BEGIN, COMMIT, ROLLBACK. */
  control(command: 'BEGIN' | 'COMMIT' | 'ROLLBACK'): Promise<void>;
  release(broken?: boolean): void;
}

export class SqlPool {
  private pg: Promise<PgPool> | undefined;
  private my: Promise<MyPool> | undefined;
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private closing: Promise<void> | undefined;

  constructor(
    readonly target: SqlTarget,
    private readonly log?: Logger,
  ) {}

  /** A SELECT: its rows. */
  query(sql: string, params: readonly unknown[]): Promise<SqlRows> {
    return this.run(sql, params, true);
  }

  /** An INSERT / UPDATE / DELETE: the rows it changed. With autocommit off, `commit` false rolls it back (DBCP rolls back on return). */
  async update(sql: string, params: readonly unknown[], commit = true): Promise<number> {
    const r = await this.run(sql, params, commit);
    return r.affected;
  }

  private async run(sql: string, params: readonly unknown[], commit: boolean): Promise<SqlRows & { affected: number }> {
    if (this.closing) throw new SqlConnectError(`the connection pool of ${this.target.description} is closed`);
    this.active++;
    try {
      const lease = await this.lease();
      let broken = false;
      try {
        if (this.target.autocommit) return await lease.query(sql, params);
        await lease.control('BEGIN');
        try {
          const r = await lease.query(sql, params);
          await lease.control(commit ? 'COMMIT' : 'ROLLBACK');
          return r;
        } catch (err) {
          await lease.control('ROLLBACK').catch(() => (broken = true));
          throw err;
        }
      } finally {
        lease.release(broken);
      }
    } finally {
      if (--this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** A connection, validated when a validation query is set (one replacement if it fails). */
  private async lease(): Promise<Lease> {
    const first = await this.connect();
    const v = this.target.validationQuery;
    if (!v) return first;
    try {
      await first.query(v, []);
      return first;
    } catch {
      first.release(true);
      const second = await this.connect();
      await second.query(v, []).catch((err: unknown) => {
        second.release(true);
        throw new SqlConnectError(`the validation query failed on a new connection to ${this.target.description}: ${(err as Error).message}`);
      });
      return second;
    }
  }

  private async connect(): Promise<Lease> {
    try {
      return this.target.dialect === 'postgres' ? await this.pgLease() : await this.myLease();
    } catch (err) {
      if (err instanceof SqlConnectError) throw err;
      throw new SqlConnectError(`cannot connect to ${this.target.description}: ${connectionCause(err)}`, { cause: err });
    }
  }

  private async pgLease(): Promise<Lease> {
    const pool = await (this.pg ??= this.openPg());
    const client: PoolClient = await pool.connect();
    return {
      control: async (command) => void (await client.query(command)),
      query: async (sql, params) => {
        const r = await client.query({ text: sql, values: params as unknown[], rowMode: 'array', types: PG_TEXT_TYPES });
        const fields: FieldDef[] = r.fields ?? [];
        const kinds = fields.map((f) => pgKind(f.dataTypeID));
        return {
          columns: fields.map((f) => f.name),
          rows: (r.rows as unknown[][]).map((row) => row.map((v, i) => jdbcText(v, kinds[i]!))),
          affected: r.rowCount ?? 0,
        };
      },
      release: (broken) => client.release(broken ? true : undefined),
    };
  }

  private async myLease(): Promise<Lease> {
    const pool = await (this.my ??= this.openMysql());
    const conn = await this.withinMaxWait(pool.getConnection(), (c) => c.release());
    return {
      control: async (command) => void (await conn.query(command)),
      query: async (sql, params) => {
        // a server-side prepared statement: the values travel apart from the SQL text
        const [rows, fields] = await conn.execute({ sql, values: params as never[], rowsAsArray: true });
        if (!Array.isArray(rows)) return { columns: [], rows: [], affected: (rows as { affectedRows?: number }).affectedRows ?? 0 };
        const fs = (fields ?? []) as FieldPacket[];
        const kinds = fs.map(myKind);
        return {
          columns: fs.map((f) => f.name),
          rows: (rows as unknown[][]).map((row) => row.map((v, i) => jdbcText(v, kinds[i]!))),
          affected: 0,
        };
      },
      release: (broken) => (broken ? conn.destroy() : conn.release()),
    };
  }

  /** mysql2 has no acquire timeout: a connection that comes after maxWait goes straight back. */
  private withinMaxWait<T>(p: Promise<T>, giveBack: (t: T) => void): Promise<T> {
    const ms = this.target.maxWaitMs;
    if (ms <= 0) return p;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new SqlConnectError(`no connection to ${this.target.description} within maxwait ${ms} ms`));
      }, ms);
      p.then(
        (t) => {
          clearTimeout(timer);
          if (done) giveBack(t);
          else resolve(t);
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (!done) reject(err);
        },
      );
    });
  }

  private async openPg(): Promise<PgPool> {
    const t = this.target;
    const pg = (await import('pg')).default;
    pgTypes = pg.types as never;
    const opts = [t.schema ? `-c search_path=${t.schema}` : '', t.isolation ? `-c default_transaction_isolation=${t.isolation.toLowerCase().replace(' ', '\\ ')}` : ''].filter(Boolean).join(' ');
    const pool = new pg.Pool({
      host: t.host,
      port: t.port,
      database: t.database,
      user: t.user,
      password: t.password(),
      max: t.max,
      connectionTimeoutMillis: t.maxWaitMs,
      idleTimeoutMillis: t.idleTimeoutMs,
      ssl: tlsOptions(t) ?? false,
      application_name: 'mediation-runtime',
      options: opts || undefined,
      keepAlive: true,
    });
    // an idle connection dropped by the server must not take the process down; the next statement reconnects
    pool.on('error', (err) => this.log?.warn(`${Errors.DB_UNREACHABLE.code}  ${t.description}: an idle connection failed: ${err.message}`));
    return pool;
  }

  private async openMysql(): Promise<MyPool> {
    const t = this.target;
    const { createPool } = await import('mysql2/promise');
    const pool = createPool({
      host: t.host,
      port: t.port,
      database: t.database,
      user: t.user,
      password: t.password(),
      connectionLimit: t.max,
      maxIdle: t.maxIdle,
      idleTimeout: t.idleTimeoutMs,
      connectTimeout: t.maxWaitMs > 0 ? t.maxWaitMs : undefined,
      ssl: tlsOptions(t) as never,
      charset: 'utf8mb4',
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      dateStrings: true,
    });
    if (t.isolation) {
      const level = t.isolation;
      pool.pool.on('connection', (c) => c.query(`SET SESSION TRANSACTION ISOLATION LEVEL ${level}`));
    }
    return pool;
  }

  /** Closes the pool once the statements in flight are done. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      if (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      const pg = this.pg;
      const my = this.my;
      await Promise.all([pg?.then((p) => p.end()).catch(() => {}), my?.then((p) => p.end()).catch(() => {})]);
    })());
  }
}

/** pg hands dates, times, 64-bit integers and NUMERIC over as text; jdbcText prints them as pgjdbc's Java types do. */
const PG_TEXT_OIDS = new Set([20, 1082, 1083, 1114, 1184, 1266, 1700]);
const PG_TEXT_TYPES = {
  getTypeParser: ((oid: number, format?: string) => (PG_TEXT_OIDS.has(oid) ? (v: string) => v : defaultPgParser(oid, format))) as never,
};
/** pg's own parsers for everything else (booleans, integers, floats), taken when the driver loads. */
let pgTypes: { getTypeParser: (oid: number, format?: string) => (v: string) => unknown } | undefined;
function defaultPgParser(oid: number, format?: string): (v: string) => unknown {
  return pgTypes ? pgTypes.getTypeParser(oid, format) : (v: string) => v;
}

function pgKind(oid: number): JdbcKind {
  switch (oid) {
    case 16:
      return 'boolean';
    case 20:
      return 'bigint';
    case 21:
    case 23:
      return 'integer';
    case 700:
      return 'float';
    case 701:
      return 'double';
    case 1700:
      return 'decimal';
    case 1082:
      return 'date';
    case 1083:
    case 1266:
      return 'time';
    case 1114:
      return 'timestamp';
    case 1184:
      return 'timestamptz';
    default:
      return 'string';
  }
}

/** MySQL column types (mysql2's field.columnType) as Connector/J's getObject() types. */
function myKind(f: FieldPacket): JdbcKind {
  const type = (f as { columnType?: number }).columnType;
  const length = (f as { columnLength?: number }).columnLength;
  switch (type) {
    case 1: // TINY: TINYINT(1) is a Boolean (tinyInt1isBit)
      return length === 1 ? 'boolean' : 'integer';
    case 16: // BIT(1) is a Boolean
      return length === 1 ? 'boolean' : 'string';
    case 2:
    case 3:
    case 9:
      return 'integer';
    case 8:
      return 'bigint';
    case 4:
      return 'float';
    case 5:
      return 'double';
    case 0:
    case 246:
      return 'decimal';
    case 10:
      return 'date';
    case 11:
      return 'time';
    case 7:
    case 12:
      return 'timestamp';
    case 13:
      return 'year';
    default:
      return 'string';
  }
}

function pem(file: string | undefined): Buffer | undefined {
  return file ? readFileSync(file) : undefined;
}

function tlsOptions(t: SqlTarget): ConnectionOptions | undefined {
  const tls = t.tls;
  if (tls.mode === 'off') return undefined;
  const given = Object.fromEntries(Object.entries({ ca: pem(tls.caFile), cert: pem(tls.certFile), key: pem(tls.keyFile) }).filter(([, v]) => v !== undefined));
  if (tls.mode === 'no-verify') return { ...given, rejectUnauthorized: false };
  if (tls.mode === 'verify-ca') return { ...given, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...given, rejectUnauthorized: true };
}

/** A key naming one distinct connection (the password hashed, never kept in the key's text). */
export function sqlTargetKey(t: SqlTarget): string {
  const h = createHash('sha256');
  const { password, ...rest } = t;
  h.update(JSON.stringify(rest));
  h.update('\0');
  h.update(password() ?? '');
  return `sql:${h.digest('hex').slice(0, 32)}`;
}

