/**
 * The PostgreSQL and MariaDB servers tests run against (127.0.0.1:5432 user postgres, 127.0.0.1:3306 user
 * root, database `test`). A suite that needs one calls needService() in its before hook: when the server is
 * absent the suite is skipped with a message, unless REQUIRE_SERVICES=1, which turns that into a failure.
 * Each run gets its own PostgreSQL schema or MariaDB database (mi_test_<random>), dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import type { Dialect } from '../../src/store/database.js';
import { datasourceFrom, embeddedDatasource, type DatasourceConfig } from '../../src/store/datasource-config.js';

export type Service = 'postgres' | 'mariadb';

export const POSTGRES = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;
export const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' } as const;

const probes = new Map<Service, Promise<string | undefined>>();

/** Undefined when the service answers, else why not. Probed once per process. */
export function serviceProblem(service: Service): Promise<string | undefined> {
  let p = probes.get(service);
  if (!p) {
    p = (async () => {
      try {
        if (service === 'postgres') {
          const c = new pg.Client({ ...POSTGRES, connectionTimeoutMillis: 3000 });
          await c.connect();
          await c.end();
        } else {
          const c = await createConnection({ ...MARIADB, connectTimeout: 3000 });
          await c.end();
        }
        return undefined;
      } catch (err) {
        return (err as Error).message || String(err);
      }
    })();
    probes.set(service, p);
  }
  return p;
}

/** For a before() hook: skips the suite when the service is absent (fails instead under REQUIRE_SERVICES=1). */
export async function needService(ctx: Mocha.Context, service: Service): Promise<void> {
  const problem = await serviceProblem(service);
  if (!problem) return;
  const where = service === 'postgres' ? `PostgreSQL on ${POSTGRES.host}:${POSTGRES.port}` : `MariaDB on ${MARIADB.host}:${MARIADB.port}`;
  if (process.env['REQUIRE_SERVICES'] === '1') throw new Error(`${where} is required (REQUIRE_SERVICES=1) but not reachable: ${problem}`);
  console.log(`      (skipped: ${where} is not reachable: ${problem}; set REQUIRE_SERVICES=1 to make this a failure)`);
  ctx.skip();
}

export interface FreshDatabase {
  /** The schema (PostgreSQL) or database (MariaDB) name. */
  readonly name: string;
  /** A JDBC URL pointing at it. */
  readonly url: string;
  /** A `[[datasource]]` table for deployment.toml with this id. */
  toml(id: string, extra?: string): string;
  /** Runs SQL against it directly (the test's own connection, not the runtime's). */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

function freshName(): string {
  return `mi_test_${randomBytes(5).toString('hex')}`;
}

/**
 * A schema name for this run: `?currentSchema=` in the URL. The schema is not created here: the runtime
 * must create it and put its tables there, which is what shows currentSchema is honoured.
 */
export function freshPostgresSchema(): FreshDatabase {
  const name = freshName();
  const url = `jdbc:postgresql://${POSTGRES.host}:${POSTGRES.port}/${POSTGRES.database}?currentSchema=${name}&sslmode=disable`;
  const withClient = async <T>(work: (c: pg.Client) => Promise<T>, options?: string): Promise<T> => {
    const c = new pg.Client({ ...POSTGRES, options });
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  };
  return {
    name,
    url,
    toml: (id, extra = '') => `[[datasource]]\nid = "${id}"\nurl = "${url}"\nusername = "${POSTGRES.user}"\npassword = ""\n${extra}\n`,
    query: (text, params) => withClient(async (c) => (await c.query(text, params as unknown[])).rows, `-c search_path=${name}`),
    drop: () => withClient(async (c) => void (await c.query(`drop schema if exists ${name} cascade`))),
  };
}

/** A MariaDB database made for this run. */
export async function freshMariaDatabase(): Promise<FreshDatabase> {
  const name = freshName();
  const admin = await createConnection(MARIADB);
  try {
    await admin.query(`create database ${name} character set utf8mb4`);
  } finally {
    await admin.end();
  }
  const url = `jdbc:mysql://${MARIADB.host}:${MARIADB.port}/${name}?useSSL=false&amp;allowPublicKeyRetrieval=true`;
  return {
    name,
    url,
    toml: (id, extra = '') => `[[datasource]]\nid = "${id}"\nurl = "${url}"\nusername = "${MARIADB.user}"\npassword = ""\n${extra}\n`,
    query: async (text, params) => {
      const c = await createConnection({ ...MARIADB, database: name });
      try {
        const [rows] = await c.query(text, params);
        return rows as never;
      } finally {
        await c.end();
      }
    },
    drop: async () => {
      const c = await createConnection(MARIADB);
      try {
        await c.query(`drop database if exists ${name}`);
      } finally {
        await c.end();
      }
    },
  };
}

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres', 'mysql'];
const LABEL: Record<Dialect, string> = { sqlite: 'embedded SQLite', postgres: 'PostgreSQL', mysql: 'MariaDB' };

export interface TestDatabase {
  readonly dialect: Dialect;
  /** A temporary home folder (the embedded SQLite file goes to HOME/data). */
  readonly home: string;
  readonly datasource: DatasourceConfig;
  /** deployment.toml text that puts the user store on this database ('' for the embedded default). */
  readonly toml: string;
  /** PostgreSQL / MariaDB: the schema or database made for the run. */
  readonly fresh: FreshDatabase | undefined;
  cleanup(): Promise<void>;
}

/** A new, empty database of this dialect (call needService first for PostgreSQL and MariaDB). */
export async function testDatabase(dialect: Dialect): Promise<TestDatabase> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'mi-db-'));
  const fresh = dialect === 'postgres' ? freshPostgresSchema() : dialect === 'mysql' ? await freshMariaDatabase() : undefined;
  const datasource = fresh
    ? datasourceFrom({ id: 'UserDB', url: fresh.url, username: dialect === 'postgres' ? POSTGRES.user : MARIADB.user, password: '' }, home, [])
    : embeddedDatasource(home);
  return {
    dialect,
    home,
    datasource,
    toml: fresh ? `[user_store]\ntype = "database"\ndata_source = "UserDB"\n\n${fresh.toml('UserDB')}` : '',
    fresh,
    async cleanup() {
      await fresh?.drop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** needService() for the server behind a dialect; nothing for SQLite. */
export async function needDialect(ctx: Mocha.Context, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await needService(ctx, 'postgres');
  if (dialect === 'mysql') await needService(ctx, 'mariadb');
}

/** One describe() per database (SQLite, PostgreSQL, MariaDB), each on a fresh database removed afterwards. */
export function describeEachDatabase(title: string, body: (db: () => TestDatabase) => void): void {
  for (const dialect of DIALECTS) {
    describe(`${title} on ${LABEL[dialect]}`, function () {
      let t: TestDatabase | undefined;
      before(async function () {
        await needDialect(this, dialect);
        t = await testDatabase(dialect);
      });
      after(async () => t?.cleanup());
      body(() => t!);
    });
  }
}
