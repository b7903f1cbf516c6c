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

export function parseProperties(text: string): PropertyLine[] {
  const out: PropertyLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let l = lines[i]!.replace(/^\s+/, '');
    if (l === '' || l.startsWith('#') || l.startsWith('!')) continue;
    // an odd number of trailing backslashes continues the line
    while (/(^|[^\\])(\\\\)*\\$/.test(l) && i + 1 < lines.length) {
      l = l.slice(0, -1) + lines[++i]!.replace(/^\s+/, '');
    }
    let k = 0;
    let key = '';
    for (; k < l.length; k++) {
      const c = l[k]!;
      if (c === '\\') {
        key += l.slice(k, k + 2);
        k++;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t') break;
      key += c;
    }
    let rest = l.slice(k).replace(/^[ \t]*/, '');
    if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1).replace(/^[ \t]*/, '');
    out.push({ key: unescape(key), value: unescape(rest.replace(/[ \t]+$/, '')), line: start });
  }
  return out;
}
