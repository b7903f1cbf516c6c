/**
 * The current token of the byte tokenizer (tokenizer.ts), as its readers see it: kind, byte positions,
 * the element's name and namespace, its attributes, and the values decoded on demand. Readers compare
 * names as bytes and decode only the strings they keep.
 */
import { Errors, MiError } from '../errors.js';
import { Ch, isBlank, latin1, utf8 } from './bytes.js';
import { attributePiece, readReference, referenceProblem, textPiece, type ReferenceValue } from './entities.js';
import { NamespaceScope, NsId } from './namespace-scope.js';

const PI_START = Buffer.from('<?');

/** What next() read (a const enum, like the byte constants: see Ch). */
export const enum Token {
  EOF = 0,
  START = 1,
  END = 2,
  TEXT = 3,
  CDATA = 4,
  COMMENT = 5,
  PI = 6,
}

export function notWellFormed(reason: string): never {
  throw new MiError(Errors.XML_NOT_WELL_FORMED, reason);
}

export const EMPTY = Buffer.alloc(0);

/** Attributes a start tag may have before the attribute arrays grow (and to which finish() shrinks them). */
export const ATTR_CAPACITY = 64;

export class XmlToken {
  /** What the last next() read. */
  kind: Token = Token.EOF;
  /** START: the element's qualified name [nameStart, nameEnd), its colon (-1 when none). */
  nameStart = 0;
  nameEnd = 0;
  colon = -1;
  /** START: namespace id of the element (NsId.NONE for none; see uri()). */
  ns: number = NsId.NONE;
  /** START: written as `<a/>` (no END token follows). */
  selfClosing = false;
  /** START: the attributes, namespace declarations included (their namespace is NsId.XMLNS). */
  attrCount = 0;
  attrNameStart = new Int32Array(ATTR_CAPACITY);
  attrNameEnd = new Int32Array(ATTR_CAPACITY);
  attrColon = new Int32Array(ATTR_CAPACITY);
  attrValueStart = new Int32Array(ATTR_CAPACITY);
  attrValueEnd = new Int32Array(ATTR_CAPACITY);
  /** Bit 1: the value holds a reference; bit 2: it holds TAB, LF, CR or a byte >= 0x80. */
  attrFlags = new Int32Array(ATTR_CAPACITY);
  attrNs = new Int32Array(ATTR_CAPACITY);
  /** TEXT, CDATA, COMMENT, PI: the content, [textStart, textEnd). */
  textStart = 0;
  textEnd = 0;

  protected buf: Buffer = EMPTY;
  protected len = 0;
  protected readonly scope = new NamespaceScope();
  /** A TEXT token whose references are not checked yet (next() checks them if text() did not). */
  protected textPending = false;
  /** Offset of the next '&' at or after the last search (len when none): one search serves many texts. */
  protected amp = -1;
  private readonly ref: ReferenceValue = { value: '' };

  constructor(private readonly lenientReferences: boolean) {}

  /** The namespace name of an id ('' for NsId.NONE). */
  uri(id: number): string {
    return this.scope.uri(id);
  }

  /** The value of a TEXT (references resolved) or CDATA token, line ends normalized. */
  text(): string {
    if (this.kind !== Token.TEXT) return textPiece(this.buf, this.textStart, this.textEnd);
    this.textPending = false;
    const s = this.textStart;
    const e = this.textEnd;
    let a = this.amp;
    if (a < s) a = this.nextAmp(s);
    if (a >= e) return textPiece(this.buf, s, e);
    let out = '';
    let p = s;
    while (a < e) {
      if (a > p) out += textPiece(this.buf, p, a);
      p = this.reference(a, e);
      out += this.ref.value;
      a = this.nextAmp(p);
    }
    if (e > p) out += textPiece(this.buf, p, e);
    return out;
  }

  /** Whether the TEXT token is white space only. */
  isBlank(): boolean {
    return isBlank(this.buf, this.textStart, this.textEnd);
  }

  /** The normalized value of attribute a of the START token. */
  attrValue(a: number): string {
    const s = this.attrValueStart[a]!;
    const e = this.attrValueEnd[a]!;
    const flags = this.attrFlags[a]!;
    const raw = this.buf;
    if (flags === 0) {
      if (e - s > 32) return latin1(raw, s, e);
      let t = '';
      for (let k = s; k < e; k++) t += String.fromCharCode(raw[k]!);
      return t;
    }
    if ((flags & 1) === 0) return attributePiece(raw, s, e);
    let out = '';
    let p = s;
    for (let k = s; k < e; k++) {
      if (raw[k] !== Ch.AMP) continue;
      if (k > p) out += attributePiece(raw, p, k);
      p = this.reference(k, e);
      out += this.ref.value;
      k = p - 1;
    }
    if (e > p) out += attributePiece(raw, p, e);
    return out;
  }

  /** START: offset of its '<'. */
  get start(): number {
    return this.nameStart - 1;
  }

  /** The target of the PI token: the name after `<?` (its data starts at textStart). */
  piTarget(): string {
    return utf8(this.buf, this.buf.lastIndexOf(PI_START, this.textStart) + 2, this.textStart);
  }

  /** The qualified name of the START token's element. */
  qname(): string {
    return nameString(this.buf, this.nameStart, this.nameEnd);
  }

  /** The local name of the START token's element. */
  localName(): string {
    return nameString(this.buf, this.colon < 0 ? this.nameStart : this.colon + 1, this.nameEnd);
  }

  attrQName(a: number): string {
    return nameString(this.buf, this.attrNameStart[a]!, this.attrNameEnd[a]!);
  }

  attrLocalName(a: number): string {
    const c = this.attrColon[a]!;
    return nameString(this.buf, c < 0 ? this.attrNameStart[a]! : c + 1, this.attrNameEnd[a]!);
  }

  /** Makes room for twice the attributes. */
  protected growAttributes(): void {
    const n = this.attrNs.length * 2;
    this.attrNameStart = grown(this.attrNameStart, n);
    this.attrNameEnd = grown(this.attrNameEnd, n);
    this.attrColon = grown(this.attrColon, n);
    this.attrValueStart = grown(this.attrValueStart, n);
    this.attrValueEnd = grown(this.attrValueEnd, n);
    this.attrFlags = grown(this.attrFlags, n);
    this.attrNs = grown(this.attrNs, n);
  }

  /** Lets the attribute arrays a hostile start tag grew go. */
  protected shrinkAttributes(): void {
    if (this.attrNs.length === ATTR_CAPACITY) return;
    this.attrNameStart = new Int32Array(ATTR_CAPACITY);
    this.attrNameEnd = new Int32Array(ATTR_CAPACITY);
    this.attrColon = new Int32Array(ATTR_CAPACITY);
    this.attrValueStart = new Int32Array(ATTR_CAPACITY);
    this.attrValueEnd = new Int32Array(ATTR_CAPACITY);
    this.attrFlags = new Int32Array(ATTR_CAPACITY);
    this.attrNs = new Int32Array(ATTR_CAPACITY);
  }

  /** Checks the references of the pending TEXT token. */
  protected checkText(): void {
    this.textPending = false;
    const e = this.textEnd;
    let a = this.amp;
    if (a < this.textStart) a = this.nextAmp(this.textStart);
    while (a < e) a = this.nextAmp(this.reference(a, e));
  }

  protected nextAmp(from: number): number {
    let a = this.buf.indexOf(Ch.AMP, from);
    if (a < 0) a = this.len;
    this.amp = a;
    return a;
  }

  /** Reads the reference at '&' (p) within [p, end) into this.ref; returns the index after it. */
  protected reference(p: number, end: number): number {
    const j = readReference(this.buf, p, end, this.lenientReferences, this.ref);
    if (j < 0) notWellFormed(referenceProblem(this.buf, p, end));
    return j;
  }
}

function grown(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/** Names are mostly ASCII, one byte a character; UTF-8 when a byte says otherwise. */
function nameString(b: Buffer, s: number, e: number): string {
  for (let k = s; k < e; k++) if (b[k]! >= 0x80) return utf8(b, s, e);
  return latin1(b, s, e);
}
