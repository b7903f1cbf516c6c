/** java.util.Properties text format: `key = value` / `key: value`, # and ! comments, \ line continuation, escapes. */
export interface PropertyLine {
  key: string;
  value: string;
  line: number;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'f' ? '\f' : c;
  });
}

function trailingBackslashes(s: string): number {
  let n = 0;
  while (n < s.length && s.charCodeAt(s.length - 1 - n) === 92) n++;
  return n;
}

export function parseProperties(text: string): PropertyLine[] {
  const out: PropertyLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    const first = lines[i]!.replace(/^\s+/, '');
    if (first === '' || first.startsWith('#') || first.startsWith('!')) continue;
    // an odd number of trailing backslashes continues the line; the run is counted on the newest piece
    // only (plus the run before it when the piece is all backslashes), so long continuations stay linear
    const parts = [first];
    let run = trailingBackslashes(first);
    while (run % 2 === 1 && i + 1 < lines.length) {
      parts[parts.length - 1] = parts[parts.length - 1]!.slice(0, -1);
      const next = lines[++i]!.replace(/^\s+/, '');
      const t = trailingBackslashes(next);
      run = t === next.length ? run - 1 + t : t;
      parts.push(next);
    }
    const l = parts.length === 1 ? first : parts.join('');
    // the key runs to the first unescaped separator; taken as one slice (char-by-char strings cost GC)
    let k = 0;
    for (; k < l.length; k++) {
      const c = l[k]!;
      if (c === '\\') k++;
      else if (c === '=' || c === ':' || c === ' ' || c === '\t') break;
    }
    const key = l.slice(0, Math.min(k, l.length));
    let rest = l.slice(k).replace(/^[ \t]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t]*/, '');
    out.push({ key: unescape(key), value: unescape(rest.replace(/[ \t]+$/, '')), line: start });
  }
  return out;
}
