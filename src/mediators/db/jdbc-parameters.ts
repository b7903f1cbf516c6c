/**
 * A statement parameter's text turned into the value bound for its JDBC type, as AbstractDBMediator's
 * getPreparedStatement does with Java's parsers: an empty text is SQL NULL, INTEGER is Integer.parseInt,
 * DECIMAL new BigDecimal, BIT Boolean.parseBoolean, DATE Date.valueOf, ... A text Java would refuse throws
 * (Micro Integrator's NumberFormatException / IllegalArgumentException), so a bad value never reaches the
 * database as something else.
 */
import { parseJavaFloating } from '../../context/java-number.js';

export const JDBC_TYPES = ['CHAR', 'VARCHAR', 'LONGVARCHAR', 'NUMERIC', 'DECIMAL', 'BIT', 'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'REAL', 'FLOAT', 'DOUBLE', 'DATE', 'TIME', 'TIMESTAMP'] as const;
export type JdbcType = (typeof JDBC_TYPES)[number];

export function isJdbcType(t: string | undefined): t is JdbcType {
  return (JDBC_TYPES as readonly string[]).includes(t ?? '');
}

/** Java refused the text (its exception message, as the cause in ERROR_DETAIL). */
export class ParameterError extends Error {}

const INTEGER_RANGE: Partial<Record<JdbcType, [bigint, bigint]>> = {
  TINYINT: [-128n, 127n],
  SMALLINT: [-32768n, 32767n],
  INTEGER: [-2147483648n, 2147483647n],
  BIGINT: [-(2n ** 63n), 2n ** 63n - 1n],
};

function numberFormat(text: string): ParameterError {
  return new ParameterError(`For input string: "${text}"`);
}

/** Integer.parseInt and friends: an optional sign and decimal digits, nothing else (no spaces), within range. */
function javaInteger(text: string, type: JdbcType): number | string {
  if (!/^[+-]?\d+$/.test(text)) throw numberFormat(text);
  const n = BigInt(text);
  const [min, max] = INTEGER_RANGE[type]!;
  if (n < min || n > max) throw new ParameterError(`Value out of range. Value:"${text}" Radix:10`);
  // a BIGINT keeps all 64 bits as text; the database reads it exactly
  return type === 'BIGINT' ? n.toString() : Number(n);
}

function two(n: string): string {
  return n.padStart(2, '0');
}

/** java.sql.Date.valueOf: yyyy-[m]m-[d]d. */
function javaDate(text: string): string {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[3]) < 1 || Number(m[3]) > 31) throw new ParameterError(`Date format must be yyyy-mm-dd, not "${text}"`);
  return `${m[1]}-${two(m[2]!)}-${two(m[3]!)}`;
}

/** java.sql.Time.valueOf: hh:mm:ss. */
function javaTime(text: string): string {
  const m = /^(\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(text);
  if (!m) throw new ParameterError(`Time format must be hh:mm:ss, not "${text}"`);
  return `${two(m[1]!)}:${two(m[2]!)}:${two(m[3]!)}`;
}

/** java.sql.Timestamp.valueOf: yyyy-[m]m-[d]d hh:mm:ss[.f...]. */
function javaTimestamp(text: string): string {
  const m = /^(\d{4}-\d{1,2}-\d{1,2}) (\d{1,2}:\d{1,2}:\d{1,2})(\.\d{1,9})?$/.exec(text);
  if (!m) throw new ParameterError(`Timestamp format must be yyyy-mm-dd hh:mm:ss[.fffffffff], not "${text}"`);
  return `${javaDate(m[1]!)} ${javaTime(m[2]!)}${m[3] ?? ''}`;
}

/** The value to bind for `text` (already the value attribute or the expression's string value). */
export function jdbcValue(text: string, type: JdbcType): unknown {
  if (text.length === 0) return null;
  switch (type) {
    case 'CHAR':
    case 'VARCHAR':
    case 'LONGVARCHAR':
      return text;
    case 'NUMERIC':
    case 'DECIMAL':
      // new BigDecimal(text): kept as text so no digit is lost on the way to the database
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new ParameterError(`Character array is missing "exponent" mark 'e' or 'E', or is not a number: "${text}"`);
      return text;
    case 'BIT':
      return text.toLowerCase() === 'true';
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'BIGINT':
      return javaInteger(text, type);
    case 'REAL':
    case 'FLOAT':
    case 'DOUBLE': {
      const f = parseJavaFloating(text, type === 'REAL' ? 'FLOAT' : 'DOUBLE');
      if (!f) throw numberFormat(text);
      return f.value;
    }
    case 'DATE':
      return javaDate(text);
    case 'TIME':
      return javaTime(text);
    case 'TIMESTAMP':
      return javaTimestamp(text);
  }
}
