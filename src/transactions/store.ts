/**
 * The `mi_transaction_counts` table: one row per hour, `count = count + n` as one statement, so several
 * nodes sharing a database add up instead of overwriting each other.
 */
import { sql } from 'kysely';
import type { Database } from '../store/database.js';

export interface HourCount {
  readonly hour: string;
  readonly count: number;
}

export async function addToHour(database: Database, hour: string, n: number): Promise<void> {
  const insert = database.db.insertInto('mi_transaction_counts').values({ hour, count: n });
  if (database.dialect === 'mysql') {
    await insert.onDuplicateKeyUpdate({ count: sql<number>`count + ${n}` }).execute();
  } else {
    await insert.onConflict((oc) => oc.column('hour').doUpdateSet({ count: sql<number>`mi_transaction_counts.count + ${n}` })).execute();
  }
}

/** Rows from `from` to `to` (hour keys, both included), oldest first. */
export async function readHours(database: Database, from: string, to: string): Promise<HourCount[]> {
  const rows = await database.db
    .selectFrom('mi_transaction_counts')
    .select(['hour', 'count'])
    .where('hour', '>=', from)
    .where('hour', '<=', to)
    .orderBy('hour')
    .execute();
  // BIGINT comes back as a string from PostgreSQL and MySQL
  return rows.map((r) => ({ hour: r.hour, count: Number(r.count) }));
}
