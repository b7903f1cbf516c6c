/**
 * What dblookup and dbreport share (Synapse's AbstractDBMediator): the connection, the statements run in
 * order, and the faults with Micro Integrator's ERROR_MESSAGE texts. A statement that fails stops the
 * mediator and goes to the fault handler; ERROR_DETAIL carries the database's own message (never a password).
 */
import type { MessageContext } from '../../context/message-context.js';
import { Errors, MiError } from '../../errors.js';
import { SqlConnectError, type SqlPool } from '../../store/sql-pool.js';
import type { Mediator } from '../mediator.js';
import type { DbConnection } from './connection.js';
import { ParameterError } from './jdbc-parameters.js';
import type { Statement } from './statement.js';

/** Micro Integrator's texts: "SQL Exception occurred while executing statement : ..." and the like. */
export interface FaultTexts {
  /** For a database error (SQLException). */
  readonly sql: string;
  /** For anything else (a parameter Java could not parse). */
  readonly other: string;
}

export abstract class DbMediator implements Mediator {
  abstract readonly tag: string;
  readonly contentAware: boolean;

  constructor(
    protected readonly connection: DbConnection,
    protected readonly statements: readonly Statement[],
    private readonly texts: FaultTexts,
  ) {
    this.contentAware = statements.some((s) => s.contentAware);
  }

  async mediate(mc: MessageContext): Promise<boolean> {
    for (const s of this.statements) {
      // taken per statement: a redeployment that closed the pool meanwhile gets a fresh one
      const pool = this.connection.pool(mc);
      let values: unknown[];
      try {
        values = s.values(mc);
      } catch (err) {
        if (err instanceof ParameterError) throw new MiError(Errors.DB_PARAMETER, this.message(this.texts.other, s), { cause: err });
        throw err;
      }
      try {
        await this.run(s, values, pool, mc);
      } catch (err) {
        if (err instanceof MiError) throw err;
        const spec = err instanceof SqlConnectError ? Errors.DB_UNREACHABLE : Errors.DB_STATEMENT_FAILED;
        throw new MiError(spec, this.message(this.texts.sql, s), { cause: err });
      }
    }
    return true;
  }

  /** Runs one statement with its bound values. */
  protected abstract run(s: Statement, values: unknown[], pool: SqlPool, mc: MessageContext): Promise<void>;

  private message(text: string, s: Statement): string {
    return `${text} : ${s.raw} against DataSource : ${this.connection.label}`;
  }
}
