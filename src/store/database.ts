/**
 * One open database: the embedded SQLite file or a PostgreSQL / MySQL pool from `[[datasource]]`, behind
 * one Kysely query builder so every store is written once for all three.
 */
import { sql, type Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.js';

export type Dialect = 'sqlite' | 'postgres' | 'mysql';

export interface Database {
  /** The `[[datasource]]` id, or `embedded` for the SQLite file under HOME/data. */
  readonly id: string;
  readonly dialect: Dialect;
  readonly db: Kysely<DatabaseSchema>;
  /** Where it is, for logs and errors: never the password. */
  readonly description: string;
  close(): Promise<void>;
}

/** One round trip (`select 1`): resolves while the database answers, rejects with the driver's error when not. */
export async function pingDatabase(d: Database): Promise<void> {
  await sql`select 1`.execute(d.db);
}
