/**
 * A <statement> of dblookup / dbreport (Synapse's Statement and processStatements): the SQL, its parameters
 * (a static value, else an expression's string value, bound as their JDBC type) and, for dblookup, which
 * columns of the first row go into which properties. The SQL is put in the driver's placeholder syntax once,
 * at deploy, and its placeholders must match the parameters.
 */
import type { ParseContext } from '../../artifacts/parse-context.js';
import type { MessageContext } from '../../context/message-context.js';
import { Errors } from '../../errors.js';
import type { Expression } from '../../expr/expression.js';
import { countPlaceholders, jdbcToDialect } from '../../store/jdbc-placeholders.js';
import { childElements, textOf } from '../../xml/dom.js';
import { isJdbcType, jdbcValue, type JdbcType } from './jdbc-parameters.js';

export interface Parameter {
  readonly value: string | undefined;
  readonly expression: Expression | undefined;
  readonly type: JdbcType;
}

export interface Result {
  readonly property: string;
  /** A 1-based column number, or a column name (matched case-insensitively, as JDBC does). */
  readonly column: number | string;
}

export class Statement {
  constructor(
    /** As written, for messages (Synapse's getRawStatement). */
    readonly raw: string,
    /** In the driver's placeholder syntax. */
    readonly sql: string,
    readonly parameters: readonly Parameter[],
    readonly results: readonly Result[],
  ) {}

  get contentAware(): boolean {
    return this.parameters.some((p) => p.value === undefined && p.expression!.contentAware);
  }

  /** The values to bind, in order; throws ParameterError for a text its type refuses. */
  values(mc: MessageContext): unknown[] {
    return this.parameters.map((p) => jdbcValue(p.value ?? p.expression!.stringValue(mc), p.type));
  }
}

/** Every <statement> of `el`. */
export function parseStatements(el: Element, ctx: ParseContext, dialect: 'postgres' | 'mysql'): Statement[] {
  const out: Statement[] = [];
  for (const s of childElements(el)) {
    if (s.localName !== 'statement') continue;
    const sqlEl = childElements(s).find((c) => c.localName === 'sql');
    if (!sqlEl) ctx.fail(s, Errors.DB_STATEMENT_CONFIG, 'Unable to read configuration value for : <sql>; a <statement> needs its <sql>');
    const raw = textOf(sqlEl!);
    const parameters: Parameter[] = [];
    const results: Result[] = [];
    for (const c of childElements(s)) {
      if (c.localName === 'parameter') {
        const a = ctx.attrs(c, ['value', 'expression', 'type']);
        const value = a.get('value');
        const expr = a.get('expression');
        // Synapse skips a parameter with neither value nor expression
        if (value === undefined && expr === undefined) continue;
        const type = a.get('type');
        if (!isJdbcType(type)) ctx.fail(c, Errors.DB_STATEMENT_CONFIG, `Unknown or unsupported JDBC type : ${type ?? 'null'}`);
        parameters.push({ value, expression: value === undefined ? ctx.expression(c, expr!) : undefined, type: type as JdbcType });
      } else if (c.localName === 'result') {
        const a = ctx.attrs(c, ['name', 'column']);
        const name = a.get('name');
        const column = a.get('column');
        if (name === undefined || column === undefined) ctx.fail(c, Errors.DB_STATEMENT_CONFIG, 'Invalid result element found missing either name and column [DBLookup] mediator');
        results.push({ property: name!, column: /^\d+$/.test(column!.trim()) ? Number(column!.trim()) : column! });
      } else if (c.localName !== 'sql') {
        ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <statement>; use <sql>, <parameter>, <result>`);
      }
    }
    const placeholders = countPlaceholders(raw, dialect);
    if (placeholders !== parameters.length) {
      ctx.fail(s, Errors.DB_STATEMENT_CONFIG, `the statement has ${placeholders} ? placeholder${placeholders === 1 ? '' : 's'} and ${parameters.length} <parameter>${parameters.length === 1 ? '' : 's'}: ${raw.trim()}`);
    }
    out.push(new Statement(raw, jdbcToDialect(raw, dialect), parameters, results));
  }
  return out;
}
