/**
 * log4j2 PatternLayout, compiled once into a list of small functions: %d{...}, %p/%level with padding,
 * %c{n}/%logger, %t, %m, %mm (masked), %ex, %n, %X{key}, %%, literal text. An unknown converter is an error
 * at start, naming it. Whatever may carry request text (%m, %mm, %X, %c and the message at the head of %ex)
 * has its control characters escaped, so one event is one line and no line can be forged.
 */
import { formatJavaDate } from './java-date-format.js';
import { escapeControlCharacters as esc } from './control-characters.js';

export interface LogEvent {
  time: Date;
  level: string;
  logger: string;
  message: string;
  error?: Error;
  /** %X{key} values (Correlation-ID). */
  context?: Record<string, string> | undefined;
}

export class PatternError extends Error {}

type Part = (e: LogEvent) => string;

/** Widest %5p-style padding or truncation: wider would only pad every line with spaces. */
const MAX_WIDTH = 1000;
/** Micro Integrator's patterns have about ten; a pattern of thousands is a mistake, and slow on every line. */
const MAX_CONVERSIONS = 1000;

const NAMED_DATES: Record<string, string> = {
  DEFAULT: 'yyyy-MM-dd HH:mm:ss,SSS',
  ISO8601: "yyyy-MM-dd'T'HH:mm:ss,SSS",
  ISO8601_BASIC: "yyyyMMdd'T'HHmmss,SSS",
  ABSOLUTE: 'HH:mm:ss,SSS',
  DATE: 'dd MMM yyyy HH:mm:ss,SSS',
  COMPACT: 'yyyyMMddHHmmssSSS',
};

function pad(s: string, min: number | undefined, left: boolean, max: number | undefined): string {
  if (max !== undefined && s.length > max) s = s.slice(s.length - max);
  if (min === undefined || s.length >= min) return s;
  return left ? s + ' '.repeat(min - s.length) : ' '.repeat(min - s.length) + s;
}

function lastSegments(name: string, n: number): string {
  let i = name.length;
  for (let k = 0; k < n; k++) {
    const j = name.lastIndexOf('.', i - 1);
    if (j < 0) return name;
    i = j;
  }
  return name.slice(i + 1);
}

/**
 * An error's stack: its head (name and message, which may quote a request) escaped, the frames V8 wrote
 * below it kept on their own lines. A stack that does not start with its head is escaped whole.
 */
function errorText(err: Error): string {
  const head = String(err);
  const stack = err.stack ?? head;
  return stack.startsWith(head) ? esc(head) + stack.slice(head.length) : esc(stack);
}

/** A pattern as quoted in an error: its start, when it is long. */
function shown(pattern: string): string {
  return pattern.length > 120 ? `${pattern.slice(0, 120)}...` : pattern;
}

/** Compiles a pattern; `mask` is applied by %mm. */
export function compilePattern(pattern: string, mask: (s: string) => string): (e: LogEvent) => string {
  const parts: Part[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit) {
      const t = lit;
      parts.push(() => t);
      lit = '';
    }
  };
  // sticky: matched where it stands, without copying the rest of the pattern for every conversion
  const conversion = /%(-?)(\d+)?(?:\.(\d+))?([a-zA-Z]+)/y;
  // where the next '}' is, found once and reused, so unclosed braces cost one scan in all
  let close = -1;
  let conversions = 0;
  let i = 0;
  while (i < pattern.length) {
    if (pattern[i] !== '%') {
      // literal text up to the next conversion, as one slice
      const next = pattern.indexOf('%', i);
      const end = next < 0 ? pattern.length : next;
      lit += pattern.slice(i, end);
      i = end;
      continue;
    }
    if (pattern[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    conversion.lastIndex = i;
    const m = conversion.exec(pattern);
    if (!m) throw new PatternError(`bad conversion at position ${i} of '${shown(pattern)}'`);
    if (++conversions > MAX_CONVERSIONS) throw new PatternError(`more than ${MAX_CONVERSIONS} conversions in one pattern`);
    flush();
    i += m[0].length;
    let option: string | undefined;
    if (pattern[i] === '{') {
      if (close !== Infinity && close < i) {
        const at = pattern.indexOf('}', i);
        close = at < 0 ? Infinity : at;
      }
      if (close !== Infinity) {
        option = pattern.slice(i + 1, close);
        i = close + 1;
      }
    }
    const left = m[1] === '-';
    const min = m[2] ? Number(m[2]) : undefined;
    const max = m[3] ? Number(m[3]) : undefined;
    if ((min ?? 0) > MAX_WIDTH || (max ?? 0) > MAX_WIDTH) throw new PatternError(`%${m[0].slice(1)}: a width is at most ${MAX_WIDTH} characters`);
    const name = m[4]!;
    const opt = option;
    let f: Part;
    switch (name) {
      case 'd':
      case 'date': {
        const fmt = opt === undefined ? NAMED_DATES['DEFAULT']! : NAMED_DATES[opt] ?? opt;
        let lastMs = -1;
        let lastText = '';
        f = (e) => {
          const ms = e.time.getTime();
          if (ms !== lastMs) {
            lastMs = ms;
            lastText = formatJavaDate(e.time, fmt);
          }
          return lastText;
        };
        break;
      }
      case 'p':
      case 'level':
        f = (e) => e.level;
        break;
      case 'c':
      case 'logger':
      case 'C':
      case 'class': {
        const n = opt !== undefined ? Number(opt) : undefined;
        if (n !== undefined && !(Number.isInteger(n) && n > 0)) throw new PatternError(`%${name}{${opt}}: the precision must be a positive integer`);
        f = n === undefined ? (e) => esc(e.logger) : (e) => esc(lastSegments(e.logger, n));
        break;
      }
      case 't':
      case 'thread':
      case 'tn':
        f = () => 'main';
        break;
      case 'm':
      case 'msg':
      case 'message':
        f = (e) => esc(e.message);
        break;
      case 'mm':
        f = (e) => esc(mask(e.message));
        break;
      case 'ex':
      case 'exception':
      case 'throwable':
      case 'xEx':
      case 'xThrowable':
      case 'rEx':
        f = (e) => (e.error ? '\n' + errorText(e.error) : '');
        break;
      case 'n':
        f = () => '\n';
        break;
      case 'X':
      case 'mdc':
      case 'MDC':
        f = opt ? (e) => esc(e.context?.[opt] ?? '') : (e) => (e.context ? esc(Object.entries(e.context).map(([k, v]) => `${k}=${v}`).join(', ')) : '');
        break;
      case 'r':
      case 'relative':
        f = (e) => String(Math.round(e.time.getTime() - performance.timeOrigin));
        break;
      case 'pid':
        f = () => String(process.pid);
        break;
      default:
        throw new PatternError(`unknown conversion '%${name}' in '${shown(pattern)}' (supported: %d %p %c %t %m %mm %ex %n %X %r %pid %%)`);
    }
    if (min !== undefined || max !== undefined) {
      const inner = f;
      f = (e) => pad(inner(e), min, left, max);
    }
    parts.push(f);
  }
  flush();
  return (e) => {
    let s = '';
    for (const p of parts) s += p(e);
    return s;
  };
}
