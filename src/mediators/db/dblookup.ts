/**
 * <dblookup> (Synapse's DBLookupMediator): runs each SELECT and sets the <result> properties from the FIRST
 * row, each as the text JDBC's getObject() prints; a NULL column leaves its property as it was, and no row
 * sets nothing. The other rows are not read.
 */
import type { MessageContext } from '../../context/message-context.js';
import type { SqlPool } from '../../store/sql-pool.js';
import type { MediatorDef } from '../mediator-def.js';
import { parseConnection } from './connection.js';
import { DbMediator } from './db-mediator.js';
import { parseStatements, type Result, type Statement } from './statement.js';
import { checkChildren } from './children.js';

const LOGGER = 'org.apache.synapse.mediators.db.DBLookupMediator';

class DbLookupMediator extends DbMediator {
  readonly tag = 'dblookup';

  protected async run(s: Statement, values: unknown[], pool: SqlPool, mc: MessageContext): Promise<void> {
    const r = await pool.query(s.sql, values);
    const row = r.rows[0];
    if (!row) return;
    for (const res of s.results) {
      const v = row[this.columnIndex(res, r.columns)];
      if (v !== null && v !== undefined) mc.setProperty(res.property, v);
    }
  }

  /** ResultSet.getObject(int | String): 1-based numbers, names matched without regard to case. */
  private columnIndex(res: Result, columns: readonly string[]): number {
    const pg = this.connection.dialect === 'postgres';
    if (typeof res.column === 'number') {
      if (res.column < 1 || res.column > columns.length) {
        throw new Error(pg ? `The column index is out of range: ${res.column}, number of columns: ${columns.length}.` : `Column Index out of range, ${res.column} > ${columns.length}.`);
      }
      return res.column - 1;
    }
    const want = res.column.toLowerCase();
    const i = columns.findIndex((c) => c.toLowerCase() === want);
    if (i < 0) throw new Error(pg ? `The column name ${res.column} was not found in this ResultSet.` : `Column '${res.column}' not found.`);
    return i;
  }
}

export const dblookup: MediatorDef = {
  tag: 'dblookup',
  parse(el, ctx) {
    ctx.attrs(el, ['description']);
    checkChildren(el, ctx);
    const connection = parseConnection(el, ctx, LOGGER);
    const statements = parseStatements(el, ctx, connection.dialect);
    return new DbLookupMediator(connection, statements, {
      sql: 'SQL Exception occurred while executing statement',
      other: 'Error executing statement',
    });
  },
};
