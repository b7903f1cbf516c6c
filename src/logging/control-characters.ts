/**
 * Control characters in a log message are written visibly (`\n`, `\r`, `\u001b`), so text from a request
 * (a decoded path or query, a URI variable, a header, a user name) can neither start a forged log line nor
 * send terminal escape sequences to whoever reads the log. A tab stays a tab: it cannot break a line. Also
 * escaped: DEL, the C1 controls (NEL among them) and the Unicode line and paragraph separators, which some
 * viewers break lines at.
 */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

function visible(c: string): string {
  return NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function escapeControlCharacters(s: string): string {
  // most lines have none: one scan, no copy
  return CONTROL.test(s) ? s.replace(CONTROLS, visible) : s;
}
