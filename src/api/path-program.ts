/**
 * The path part of a compiled uri-template. The builder writes it twice: as a RegExp source, and as a small
 * program run by a Pike VM (Thompson's construction, threads kept in priority order) that gives the same
 * answers as the backtracking RegExp (lazy and greedy quantifiers, leftmost-first, anchored at both ends)
 * in time proportional to path length times program size. A RegExp such as
 * `^\/([^/]+?)\.([^/]+?)\.([^/]+?)$` backtracks polynomially on a long path that almost matches (seconds
 * for a few thousand characters). The native RegExp is kept where it cannot do that, because it is several
 * times faster: when every capture stays inside one segment and is followed by a '/' or the end of the
 * template, each capture has exactly one place to stop.
 */

/** Which engine matches: 'auto' (the RegExp when it is linear, else the program); the others for tests. */
export type PathEngine = 'auto' | 'program' | 'regexp';

export interface PathMatcher {
  /** The captures of a whole-input match (undefined for a group that took no part), or undefined. */
  exec(input: string): (string | undefined)[] | undefined;
}

/** What `.` matches in a RegExp without the s flag: anything but line terminators. */
export const LINE_TERMINATORS = '\n\r\u2028\u2029';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function regexClass(excluded: string): string {
  return excluded === LINE_TERMINATORS ? '.' : `[^${escapeRegExp(excluded)}]`;
}

const CHAR = 0;
/** Any one character except those listed (all characters when the list is empty). */
const ANY_BUT = 1;
/** Try a, then b (a has priority). */
const SPLIT = 2;
const JMP = 3;
const SAVE = 4;
const MATCH = 5;

export class PathProgramBuilder {
  private readonly op: number[] = [];
  private readonly x: number[] = [];
  private readonly y: number[] = [];
  private readonly excluded: string[] = [];
  private captures = 0;
  private regex = '';
  /** The RegExp cannot backtrack more than linearly (see the file comment). */
  private linear = true;
  /** The last thing written was a capture: what follows decides whether it has one place to stop. */
  private afterCapture = false;

  private emit(op: number, x = 0, y = 0, excluded = ''): number {
    this.op.push(op);
    this.x.push(x);
    this.y.push(y);
    this.excluded.push(excluded);
    return this.op.length - 1;
  }

  private get next(): number {
    return this.op.length;
  }

  literal(text: string): this {
    for (let i = 0; i < text.length; i++) this.emit(CHAR, text.charCodeAt(i));
    this.regex += escapeRegExp(text);
    if (this.afterCapture && text[0] !== '/') this.linear = false;
    this.afterCapture = false;
    return this;
  }

  /** One capture group: characters not in `excluded` ('' = any), at least `min` (0 or 1), lazy or greedy. */
  capture(excluded: string, min: 0 | 1, lazy: boolean): this {
    const slot = this.captures++;
    if (this.afterCapture || !excluded.includes('/')) this.linear = false;
    this.emit(SAVE, 2 * slot);
    this.regex += '(';
    this.repeat(excluded, min, lazy);
    this.regex += ')';
    this.emit(SAVE, 2 * slot + 1);
    this.afterCapture = true;
    return this;
  }

  /** Characters not in `excluded`, at least `min` of them, not captured. */
  repeat(excluded: string, min: 0 | 1, lazy: boolean): this {
    // a repeat right after a capture (`([^/]+).*`) gives the capture many places to stop
    if (this.afterCapture) this.linear = false;
    this.regex += regexClass(excluded) + (min === 1 ? '+' : '*') + (lazy ? '?' : '');
    this.afterCapture = false;
    if (min === 1) {
      const body = this.emit(ANY_BUT, 0, 0, excluded);
      const split = this.emit(SPLIT);
      this.setSplit(split, lazy ? this.next : body, lazy ? body : this.next);
    } else {
      const split = this.emit(SPLIT);
      this.emit(ANY_BUT, 0, 0, excluded);
      this.emit(JMP, split);
      this.setSplit(split, lazy ? this.next : split + 1, lazy ? split + 1 : this.next);
    }
    return this;
  }

  /** `(?:body)?`, greedy: the body is tried first. */
  optional(body: (b: this) => void): this {
    const split = this.emit(SPLIT);
    this.regex += '(?:';
    body(this);
    this.regex += ')?';
    this.setSplit(split, split + 1, this.next);
    return this;
  }

  private setSplit(at: number, a: number, b: number): void {
    this.x[at] = a;
    this.y[at] = b;
  }

  build(engine: PathEngine = 'auto'): PathMatcher {
    if (engine === 'regexp' || (engine === 'auto' && this.linear)) return new RegExpMatcher(new RegExp(`^${this.regex}$`));
    this.emit(MATCH);
    return new PathProgram(Int32Array.from(this.op), Int32Array.from(this.x), Int32Array.from(this.y), this.excluded, this.captures);
  }
}

class RegExpMatcher implements PathMatcher {
  constructor(private readonly re: RegExp) {}

  exec(input: string): (string | undefined)[] | undefined {
    const m = this.re.exec(input);
    return m === null ? undefined : m.slice(1);
  }
}

class PathProgram implements PathMatcher {
  /** The step at which each instruction was last queued: no instruction is queued twice per step. */
  private readonly seen: Int32Array;
  private step = 0;
  // thread lists and the work stack, reused by every exec (matching is synchronous)
  private listPc: [Int32Array, Int32Array];
  private listSaved: [number[][], number[][]];
  private readonly stackPc: Int32Array;
  private readonly stackSaved: number[][];

  constructor(
    private readonly op: Int32Array,
    private readonly x: Int32Array,
    private readonly y: Int32Array,
    private readonly excluded: readonly string[],
    readonly captures: number,
  ) {
    const m = op.length;
    this.seen = new Int32Array(m).fill(-1);
    this.listPc = [new Int32Array(m), new Int32Array(m)];
    this.listSaved = [new Array<number[]>(m), new Array<number[]>(m)];
    // every instruction is pushed at most once per incoming edge, and has at most two
    this.stackPc = new Int32Array(2 * m + 2);
    this.stackSaved = new Array<number[]>(2 * m + 2);
  }

  exec(input: string): (string | undefined)[] | undefined {
    const n = input.length;
    if (this.step > 1_000_000_000) {
      this.seen.fill(-1);
      this.step = 0;
    }
    let cur = 0;
    this.step++;
    let count = this.follow(cur, 0, 0, new Array<number>(2 * this.captures).fill(-1), 0);
    for (let i = 0; ; i++) {
      if (count === 0) return undefined;
      const pcs = this.listPc[cur];
      const saved = this.listSaved[cur];
      if (i === n) {
        for (let t = 0; t < count; t++) if (this.op[pcs[t]!] === MATCH) return this.result(input, saved[t]!);
        return undefined;
      }
      const c = input.charCodeAt(i);
      const nxt = 1 - cur;
      let nextCount = 0;
      this.step++;
      for (let t = 0; t < count; t++) {
        const pc = pcs[t]!;
        const op = this.op[pc];
        if (op === CHAR ? this.x[pc] === c : op === ANY_BUT && !hasChar(this.excluded[pc]!, c)) nextCount = this.follow(nxt, nextCount, pc + 1, saved[t]!, i + 1);
      }
      cur = nxt;
      count = nextCount;
    }
  }

  /**
   * Queues the thread at pc into list `into` (which holds `count` threads), following jumps, splits (in
   * priority order) and saves at input position pos; returns the new count.
   */
  private follow(into: number, count: number, pc: number, saved: number[], pos: number): number {
    const pcs = this.listPc[into];
    const savedList = this.listSaved[into];
    const stackPc = this.stackPc;
    const stackSaved = this.stackSaved;
    let top = 0;
    stackPc[0] = pc;
    stackSaved[0] = saved;
    top = 1;
    while (top > 0) {
      top--;
      const p = stackPc[top]!;
      const sv = stackSaved[top]!;
      if (this.seen[p] === this.step) continue;
      this.seen[p] = this.step;
      const op = this.op[p];
      if (op === JMP) {
        stackPc[top] = this.x[p]!;
        stackSaved[top++] = sv;
      } else if (op === SPLIT) {
        // the second branch goes under the first, so the first is explored (and queued) first
        stackPc[top] = this.y[p]!;
        stackSaved[top++] = sv;
        stackPc[top] = this.x[p]!;
        stackSaved[top++] = sv;
      } else if (op === SAVE) {
        const copy = sv.slice();
        copy[this.x[p]!] = pos;
        stackPc[top] = p + 1;
        stackSaved[top++] = copy;
      } else {
        pcs[count] = p;
        savedList[count++] = sv;
      }
    }
    return count;
  }

  private result(input: string, saved: number[]): (string | undefined)[] {
    const out: (string | undefined)[] = [];
    for (let k = 0; k < this.captures; k++) {
      const a = saved[2 * k]!;
      const b = saved[2 * k + 1]!;
      out.push(a >= 0 && b >= 0 ? input.slice(a, b) : undefined);
    }
    return out;
  }
}

function hasChar(set: string, c: number): boolean {
  for (let i = 0; i < set.length; i++) if (set.charCodeAt(i) === c) return true;
  return false;
}
