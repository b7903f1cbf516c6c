/**
 * Edits deployment.toml as text, so everything that is not edited (comments, order, spacing, line ends) stays
 * byte for byte. scanToml() finds the statements (table headers and key/value pairs, with offsets); callers
 * splice the text and check the result with the real parser (verifyEdit), so a layout the scanner does not
 * follow is refused rather than damaged.
 */
import { isDeepStrictEqual } from 'node:util';
import { parse as parseToml, TomlError } from 'smol-toml';
import { Errors, MiError } from '../errors.js';

export interface TomlStatement {
  kind: 'table' | 'array-table' | 'keyval';
  /** Offset of the statement's first character and just past its last one (comments excluded). */
  start: number;
  end: number;
  /** Table headers: the table; key/values: the table and the key. */
  path: string[];
  valueStart: number;
  valueEnd: number;
}

class ScanError extends Error {}

const BARE = /[A-Za-z0-9_-]/;

export function scanToml(text: string): TomlStatement[] {
  let i = 0;
  const n = text.length;
  const out: TomlStatement[] = [];
  let table: string[] = [];

  const spaces = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const blank = (): void => {
    for (;;) {
      while (i < n && /[ \t\r\n]/.test(text[i]!)) i++;
      if (text[i] !== '#') return;
      while (i < n && text[i] !== '\n') i++;
    }
  };
  const endOfLine = (): void => {
    spaces();
    if (text[i] === '#') while (i < n && text[i] !== '\n') i++;
    if (text[i] === '\r') i++;
    if (i < n && text[i] !== '\n') throw new ScanError(`unexpected '${text[i]}' at offset ${i}`);
  };
  const basic = (): string => {
    const s = i;
    i++;
    while (i < n && text[i] !== '"') {
      if (text[i] === '\\') i++;
      if (text[i] === '\n') throw new ScanError('newline in a string');
      i++;
    }
    i++;
    return JSON.parse(text.slice(s, i)) as string;
  };
  const literal = (): string => {
    const e = text.indexOf("'", i + 1);
    if (e < 0) throw new ScanError('unterminated string');
    const v = text.slice(i + 1, e);
    i = e + 1;
    return v;
  };
  const key = (stop: string): string[] => {
    const parts: string[] = [];
    for (;;) {
      spaces();
      if (text[i] === '"') parts.push(basic());
      else if (text[i] === "'") parts.push(literal());
      else {
        const s = i;
        while (i < n && BARE.test(text[i]!)) i++;
        if (s === i) throw new ScanError(`a key expected at offset ${i}`);
        parts.push(text.slice(s, i));
      }
      spaces();
      if (text[i] === '.') {
        i++;
        continue;
      }
      if (text[i] === stop) return parts;
      throw new ScanError(`'${stop}' expected at offset ${i}`);
    }
  };
  // as deep as the parser goes (smol-toml's maxDepth); deeper is refused rather than overflowing the stack
  let depth = 0;
  const value = (): void => {
    if (++depth > 1000) throw new ScanError('arrays or inline tables nested deeper than 1000');
    valueAt();
    depth--;
  };
  const valueAt = (): void => {
    if (text.startsWith('"""', i) || text.startsWith("'''", i)) {
      const q = text.slice(i, i + 3);
      i += 3;
      while (i < n && !text.startsWith(q, i)) i += q === '"""' && text[i] === '\\' ? 2 : 1;
      i += 3;
      while (text[i] === q[0]) i++;
    } else if (text[i] === '"') basic();
    else if (text[i] === "'") literal();
    else if (text[i] === '[') {
      i++;
      for (;;) {
        blank();
        if (text[i] === ']') break;
        value();
        blank();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') throw new ScanError(`',' or ']' expected at offset ${i}`);
      }
      i++;
    } else if (text[i] === '{') {
      i++;
      for (;;) {
        spaces();
        if (text[i] === '}') break;
        key('=');
        i++;
        spaces();
        value();
        spaces();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') throw new ScanError(`',' or '}' expected at offset ${i}`);
      }
      i++;
    } else {
      const s = i;
      while (i < n && !/[,\]}#\r\n]/.test(text[i]!)) i++;
      while (i > s && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
      if (i === s) throw new ScanError(`a value expected at offset ${i}`);
    }
  };

  for (;;) {
    blank();
    if (i >= n) return out;
    const start = i;
    if (text[i] === '[') {
      const arr = text[i + 1] === '[';
      i += arr ? 2 : 1;
      const path = key(']');
      i += arr ? 2 : 1;
      table = path;
      out.push({ kind: arr ? 'array-table' : 'table', start, end: i, path, valueStart: i, valueEnd: i });
    } else {
      const k = key('=');
      i++;
      spaces();
      const valueStart = i;
      value();
      out.push({ kind: 'keyval', start, end: i, path: [...table, ...k], valueStart, valueEnd: i });
    }
    endOfLine();
  }
}

/** scanToml, with a scanning problem reported as the file's problem. */
export function scanOrFail(text: string, file: string): TomlStatement[] {
  try {
    return scanToml(text);
  } catch (err) {
    throw new MiError(Errors.CONFIG_PARSE, `${file} has a layout this tool cannot edit safely (${(err as Error).message}); edit it by hand`);
  }
}

/** The value of one TOML value text, as the parser reads it; one it cannot read is the file's problem. */
export function tomlValue(raw: string, file = 'deployment.toml'): unknown {
  try {
    return (parseToml(`v = ${raw}`) as { v: unknown }).v;
  } catch (err) {
    throw new MiError(Errors.CONFIG_PARSE, `${file}: a value this tool cannot read (${firstLine(err)}); fix it by hand`);
  }
}

function firstLine(err: unknown): string {
  return (err as Error).message.split('\n')[0]!;
}

function parseOrFail(text: string, file: string, what: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const at = err instanceof TomlError ? `:${err.line}:${err.column}` : '';
    throw new MiError(Errors.CONFIG_PARSE, `${file}${at}: ${what} (${firstLine(err)})`);
  }
}

/** Checks an edit changed exactly what was meant: `expect` maps the document before to the one wanted. */
export function verifyEdit(before: string, after: string, expect: (doc: Record<string, unknown>) => void, file: string): void {
  const want = parseOrFail(before, file, 'is not valid TOML; fix it first, it was left unchanged');
  expect(want);
  const got = parseOrFail(after, file, 'the edit would break the file; it was left unchanged');
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(want)))) {
    throw new MiError(Errors.CONFIG_PARSE, `${file}: the section is written in a form this tool does not edit (e.g. dotted keys elsewhere); it was left unchanged, edit it by hand`);
  }
}

/**
 * Replaces the table `path` (its header through its last key/value; comments after that stay) with `body`,
 * or appends `body` when the table is absent.
 */
export function replaceTable(text: string, path: string[], body: string, file = 'deployment.toml'): string {
  const st = scanOrFail(text, file);
  const same = (p: string[]): boolean => p.length === path.length && p.every((x, k) => x === path[k]);
  const h = st.findIndex((s) => s.kind === 'table' && same(s.path));
  if (h < 0) {
    const nl = text.includes('\r\n') ? '\r\n' : '\n';
    const sep = text === '' ? '' : text.endsWith('\n') ? nl : nl + nl;
    return text + sep + body.replace(/\n/g, nl) + nl;
  }
  let end = st[h]!.end;
  for (let k = h + 1; k < st.length && st[k]!.kind === 'keyval'; k++) end = st[k]!.end;
  // a comment on the section's last line belongs to it
  const eol = text.indexOf('\n', end);
  const lineEnd = eol < 0 ? text.length : text[eol - 1] === '\r' ? eol - 1 : eol;
  const nl = text.slice(lineEnd, eol < 0 ? lineEnd : eol + 1) === '\r\n' ? '\r\n' : '\n';
  return text.slice(0, st[h]!.start) + body.replace(/\n/g, nl) + text.slice(lineEnd);
}
