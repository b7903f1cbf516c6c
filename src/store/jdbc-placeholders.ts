/**
 * JDBC `?` placeholders in user SQL, found as the drivers find them: not inside string literals, quoted
 * identifiers, comments or (PostgreSQL) dollar-quoted text. PostgreSQL numbers them `$1, $2, ...` (and `??`
 * is pgjdbc's escape for a literal `?` operator); MySQL keeps `?`.
 */
export type PlaceholderDialect = 'postgres' | 'mysql';

/** Calls `onPlaceholder(index)` at each placeholder and returns the text with each replaced by its result. */
function scan(sql: string, dialect: PlaceholderDialect, onPlaceholder: (n: number) => string): string {
  let out = '';
  let n = 0;
  let i = 0;
  const len = sql.length;
  while (i < len) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"' || (c === '`' && dialect === 'mysql')) {
      const end = quotedEnd(sql, i, c, dialect === 'mysql' || (c === "'" && /[eE]$/.test(sql.slice(Math.max(0, i - 1), i))));
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      out += sql.slice(i, end < 0 ? len : end);
      i = end < 0 ? len : end;
    } else if (c === '#' && dialect === 'mysql') {
      const end = sql.indexOf('\n', i);
      out += sql.slice(i, end < 0 ? len : end);
      i = end < 0 ? len : end;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? len : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '$' && dialect === 'postgres' && /^\$[A-Za-z_]?\w*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]?\w*\$/.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end < 0 ? len : end + tag.length;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '?') {
      if (dialect === 'postgres' && next === '?') {
        out += '?';
        i += 2;
      } else {
        out += onPlaceholder(++n);
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index just past the quoted text starting at `start` ('' or "" doubled inside; backslash escapes when `backslash`). */
function quotedEnd(sql: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslash && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** How many placeholders the statement has. */
export function countPlaceholders(sql: string, dialect: PlaceholderDialect): number {
  let n = 0;
  scan(sql, dialect, (k) => {
    n = k;
    return '?';
  });
  return n;
}

/** The statement in the driver's placeholder syntax. */
export function jdbcToDialect(sql: string, dialect: PlaceholderDialect): string {
  return dialect === 'postgres' ? scan(sql, dialect, (k) => `$${k}`) : sql;
}
