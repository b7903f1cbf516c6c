/**
 * <dbreport> (Synapse's DBReportMediator): runs each INSERT / UPDATE / DELETE with values from the message.
 * Connections auto-commit by default; with the pool property autocommit="false" each statement is committed
 * after it runs, unless useTransaction="true" (the statement is then left to a distributed transaction, which
 * this runtime does not have: the connection goes back to the pool and, as Commons DBCP does then, it is
 * rolled back).
 */
import type { MessageContext } from '../../context/message-context.js';
import type { SqlPool } from '../../store/sql-pool.js';
import type { MediatorDef } from '../mediator-def.js';
import type { DbConnection } from './connection.js';
import { parseConnection } from './connection.js';
import { DbMediator, type FaultTexts } from './db-mediator.js';
import { parseStatements, type Statement } from './statement.js';
import { checkChildren } from './children.js';

const LOGGER = 'org.apache.synapse.mediators.db.DBReportMediator';

class DbReportMediator extends DbMediator {
  readonly tag = 'dbreport';

  constructor(connection: DbConnection, statements: readonly Statement[], texts: FaultTexts, private readonly useTransaction: boolean) {
    super(connection, statements, texts);
  }

  protected async run(s: Statement, values: unknown[], pool: SqlPool, _mc: MessageContext): Promise<void> {
    await pool.update(s.sql, values, !this.useTransaction);
  }
}

export const dbreport: MediatorDef = {
  tag: 'dbreport',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['useTransaction', 'description']);
    checkChildren(el, ctx);
    const connection = parseConnection(el, ctx, LOGGER);
    const statements = parseStatements(el, ctx, connection.dialect);
    return new DbReportMediator(
      connection,
      statements,
      { sql: 'SQL Error while executing insert statement', other: 'Error while executing insert statement' },
      // Synapse reads exactly "true"
      a.get('useTransaction') === 'true',
    );
  },
};
