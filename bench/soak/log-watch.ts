/**
 * Reads the runtime's output file as it grows and flags what must never be there: a stack trace (a line
 * `    at fn (file:line:col)`), a Node warning (`(node:123) MaxListenersExceededWarning ...`), a failed
 * deployment, a forged line (one that begins with the log-forging marker), or a password. Lines are grouped
 * into records (a record starts with `[date]` or `mi:`) so a known issue can excuse a whole record, stack
 * included.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export type LogIssue = 'stack trace' | 'node warning' | 'deployment failed' | 'forged line' | 'secret in log';

export interface KnownLogIssue {
  /** Matches the first line of a record this tree is known to write. */
  pattern: RegExp;
  pending: string;
}

const RECORD_START = /^(\[\d{4}-\d\d-\d\d [\d:,]+\]|mi: )/;
const STACK_FRAME = /^\s+at\s+\S/;
const NODE_WARNING = /\(node:\d+\) \[?\w*(Warning|DEP\d+)/;
const DEPLOY_FAILED = /Deployment failed/;
const MAX_EXAMPLES = 5;

export class LogWatch {
  private offset = 0;
  private partial = '';
  private record: string[] = [];
  readonly counts = new Map<LogIssue, number>();
  readonly examples = new Map<LogIssue, string[]>();
  /** Records excused by a known issue, per issue. */
  readonly known = new Map<KnownLogIssue, number>();
  lines = 0;

  constructor(
    private readonly file: string,
    private readonly forgedMarker: string,
    private readonly secrets: readonly string[],
    private readonly knownIssues: readonly KnownLogIssue[],
  ) {}

  /** Reads what was appended since the last call. */
  poll(): void {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return;
    }
    if (size <= this.offset) return;
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(size - this.offset, 64 * 1024 * 1024));
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.partial + buf.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    } finally {
      closeSync(fd);
    }
  }

  /** Reads the rest, the last unterminated line and record included. */
  finish(): void {
    this.poll();
    if (this.partial) this.line(this.partial);
    this.partial = '';
    this.flush();
  }

  private line(line: string): void {
    this.lines++;
    if (line.startsWith(this.forgedMarker)) this.flag('forged line', line);
    if (RECORD_START.test(line)) this.flush();
    this.record.push(line);
  }

  private flush(): void {
    const rec = this.record;
    if (!rec.length) return;
    this.record = [];
    const issues: LogIssue[] = [];
    if (rec.some((l) => STACK_FRAME.test(l))) issues.push('stack trace');
    if (rec.some((l) => NODE_WARNING.test(l))) issues.push('node warning');
    if (DEPLOY_FAILED.test(rec[0]!)) issues.push('deployment failed');
    if (this.secrets.some((s) => rec.some((l) => l.includes(s)))) issues.push('secret in log');
    if (!issues.length) return;
    const known = this.knownIssues.find((k) => k.pattern.test(rec[0]!));
    if (known && !issues.includes('secret in log')) {
      this.known.set(known, (this.known.get(known) ?? 0) + 1);
      return;
    }
    for (const i of issues) this.flag(i, rec.slice(0, 6).join('\n'));
  }

  private flag(issue: LogIssue, text: string): void {
    this.counts.set(issue, (this.counts.get(issue) ?? 0) + 1);
    const ex = this.examples.get(issue) ?? [];
    if (ex.length < MAX_EXAMPLES) ex.push(text.slice(0, 1500));
    this.examples.set(issue, ex);
  }
}
