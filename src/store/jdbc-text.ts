/**
 * A column value as Micro Integrator's dblookup reads it: `ResultSet.getObject(column).toString()` with the
 * PostgreSQL (pgjdbc) and MySQL (Connector/J) drivers. Numbers print as the Java type the driver returns
 * (a float8 2 is `2.0`, a NUMERIC keeps its scale, `1E-7` below 10^-6), dates and times as java.sql.Date,
 * Time and Timestamp print (`2024-05-01`, `13:45:00`, `2024-05-01 13:45:00.0`), booleans as `true`/`false`.
 */
import { javaDoubleString, javaFloatString } from '../context/java-number.js';

/** java.math.BigDecimal.toString of a decimal text: plain, unless the adjusted exponent is below -6. */
export function javaBigDecimalString(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return text;
  const sign = m[1] === '-' ? '-' : '';
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  let scale = frac.length - Number(m[4] ?? 0);
  let digits = (int + frac).replace(/^0+(?=\d)/, '');
  if (digits === '') digits = '0';
  const adjusted = -scale + (digits.length - 1);
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) return sign + digits;
    const padded = digits.padStart(scale + 1, '0');
    return `${sign}${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  }
  if (scale < 0 && digits === '0') scale = 0;
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

/** java.sql.Timestamp.toString of `YYYY-MM-DD HH:MM:SS[.fraction]`: at least one fraction digit, no trailing zeros. */
export function javaTimestampString(text: string): string {
  const m = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return text;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  return `${m[1]} ${m[2]}.${frac === '' ? '0' : frac}`;
}

/** java.sql.Time.toString: `HH:MM:SS`, the fraction dropped. */
export function javaTimeString(text: string): string {
  const m = /^(\d{2}:\d{2}:\d{2})/.exec(text.trim());
  return m ? m[1]! : text;
}

/**
 * A timestamp with a zone (PostgreSQL timestamptz, `2024-05-01 11:45:00.5+02`) as the Timestamp pgjdbc makes:
 * the same instant, printed in this process's time zone (the JVM's default zone in Micro Integrator).
 */
export function javaZonedTimestampString(text: string): string {
  const m = /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([+-]\d{2}(?::?\d{2}(?::?\d{2})?)?|Z)?$/.exec(text.trim());
  if (!m) return text;
  const zone = m[4] === undefined || m[4] === 'Z' ? 'Z' : normalizeZone(m[4]);
  const d = new Date(`${m[1]}T${m[2]}${zone}`);
  if (Number.isNaN(d.getTime())) return text;
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const local = `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return javaTimestampString(`${local}.${m[3] ?? '0'}`);
}

function normalizeZone(z: string): string {
  const digits = z.slice(1).replace(/:/g, '');
  return `${z[0]}${digits.slice(0, 2)}:${(digits.slice(2, 4) || '00')}`;
}

/** What a column's value prints as; `kind` says which Java type the driver hands out. */
export type JdbcKind = 'string' | 'integer' | 'bigint' | 'decimal' | 'double' | 'float' | 'boolean' | 'date' | 'time' | 'timestamp' | 'timestamptz' | 'year';

export function jdbcText(value: unknown, kind: JdbcKind): string | null {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'boolean':
      if (typeof value === 'boolean') return String(value);
      if (Buffer.isBuffer(value)) return String(value.some((b) => b !== 0));
      return String(value === 1 || value === '1' || value === 't' || value === 'true');
    case 'double':
      return javaDoubleString(Number(value));
    case 'float':
      return javaFloatString(Number(value));
    case 'decimal':
      return javaBigDecimalString(String(value));
    case 'timestamp':
      return javaTimestampString(String(value));
    case 'timestamptz':
      return javaZonedTimestampString(String(value));
    case 'time':
      return javaTimeString(String(value));
    case 'year':
      // Connector/J reads YEAR as a java.sql.Date on the first of January
      return `${String(value).padStart(4, '0')}-01-01`;
    default:
      return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
}
