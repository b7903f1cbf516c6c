/**
 * The one pull tokenizer over the bytes of an XML message, for the readers that must not build a DOM: the
 * streaming XPath matcher (content-based routing) and the WS-Security header scanner.
 *
 * next() reads the next token into the fields of XmlToken (token.ts): start tags (qualified name,
 * namespace, attributes with theirs, self-closing), end tags, text, CDATA sections, and comments and
 * processing instructions (no reader wants their content, but some must know one was there). The XML
 * declaration is checked and skipped.
 *
 * Well-formedness is checked as it reads: names, matching end tags, quoted attribute values without '<',
 * unique attributes (by qualified and by expanded name), references, XML Chars in comments, CDATA and PIs,
 * the XML declaration only at the start, declared prefixes, no rebinding of `xml` or `xmlns`, no DOCTYPE,
 * nesting within the limit. A problem throws an MiError (MI_XML_001..003) whose message names the
 * construct. Document structure (one root, only white space around it) is the reader's to decide: the
 * tokenizer reads fragments as well. References in text are checked when the reader asks for the text or
 * moves past it, so a reader that stops at text (to answer "not XML") does not fail on them.
 *
 * Every input costs time linear in its size: each byte is looked at a bounded number of times, duplicate
 * attributes are found with a map, and namespace lookups do not grow with the declarations in scope.
 * The hot paths are kept small (errors are built out of line) so that V8 inlines them into the readers.
 */
import { Errors, MiError } from '../errors.js';
import { allXmlChars, CHAR_CLASSES, Ch, Cls, latin1, PI_END, quotedName } from './bytes.js';
import { KnownUris, NsId } from './namespace-scope.js';
import { EMPTY, notWellFormed, Token, XmlToken } from './token.js';

export { Token } from './token.js';

/** Where the readers of the tokenizer differ. */
export interface XmlDialect {
  /** xmldom's references: an '&' that starts no reference is text, and any code point may be referenced. */
  readonly xmldomReferences: boolean;
  /** Names are ASCII only (a byte >= 0x80 ends a name); otherwise any byte >= 0x80 is a name character. */
  readonly asciiNames: boolean;
}

/** A prefixed attribute before its prefix is looked up. */
const NS_UNRESOLVED = -3;

const CLS = CHAR_CLASSES;

// an open element's ints in XmlTokenizer.frames
const FRAME = 4;
const F_NAME_START = 0;
const F_NAME_END = 1;
const F_MARK = 2;
const F_DEFAULT_NS = 3;

const DASH_DASH = Buffer.from('--');
const CDATA_END = Buffer.from(']]>');
const XML_DECL =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:'1\.[0-9]+'|"1\.[0-9]+")(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:'[A-Za-z][-A-Za-z0-9._]*'|"[A-Za-z][-A-Za-z0-9._]*"))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:'(?:yes|no)'|"(?:yes|no)"))?[ \t\r\n]*\?>$/;

// what is wrong in a start tag (messages built out of line)
const TAG_UNTERMINATED = 0;
const TAG_BAD_SLASH = 1;
const TAG_NO_SPACE = 2;
const TAG_NAMED_XMLNS = 3;
const ATTR_NAMED_XMLNS = 4;
const ATTR_NO_VALUE = 5;
const ATTR_NOT_QUOTED = 6;
const ATTR_UNTERMINATED = 7;
const ATTR_LT = 8;

export class XmlTokenizer extends XmlToken {
  /** Whether any byte >= 0x80 may start or continue a name. */
  private readonly utf8Names: boolean;
  private pos = 0;
  private declarationAt = -1;
  private maxDepth = 0;
  private open = 0;
  private scannedColon = -1;
  private readonly seen = new Set<string>();
  /** Open elements, FRAME ints each by depth (0 is the document): name start and end, scope mark, default namespace. */
  private frames = new Int32Array(64 * FRAME);

  constructor(dialect: XmlDialect) {
    super(dialect.xmldomReferences);
    this.utf8Names = !dialect.asciiNames;
  }

  /**
   * Starts reading buf at `start`. Namespace names in `known` get their fixed ids; an XML declaration may
   * stand right at `start` when `declaration` is set; elements may nest `maxDepth` deep.
   */
  begin(buf: Buffer, start: number, known: KnownUris, maxDepth: number, declaration: boolean): void {
    this.buf = buf;
    this.len = buf.length;
    this.pos = start;
    this.declarationAt = declaration ? start : -1;
    this.maxDepth = maxDepth;
    this.open = 0;
    this.textPending = false;
    this.amp = -1;
    this.kind = Token.EOF;
    this.scope.reset(known);
    this.frames[F_MARK] = this.scope.mark;
    this.frames[F_DEFAULT_NS] = NsId.NONE;
  }

  /** Binds a prefix for the whole document (a wrapper's prefix that the bytes may use undeclared). */
  bindPrefix(prefix: Buffer, ns: number): void {
    this.scope.bind(prefix, 0, prefix.length, ns);
  }

  /** Lets go of the message bytes (and of tables a hostile message made large). */
  finish(): void {
    this.buf = EMPTY;
    this.len = 0;
    this.scope.release();
    this.shrinkAttributes();
  }

  /**
   * Reads the next token. With `skipText`, text is checked (its references) and passed over, and the next
   * token is markup or the end: for readers that want no character data at this point.
   */
  next(skipText = false): number {
    if (this.textPending) this.checkText();
    let i = this.pos;
    if (i < this.len && this.buf[i] !== Ch.LT) {
      const lt = this.textEndAt(i);
      if (!skipText) {
        this.textStart = i;
        this.textEnd = lt;
        this.pos = lt;
        this.textPending = true;
        return (this.kind = Token.TEXT);
      }
      let a = this.amp;
      if (a < i) a = this.nextAmp(i);
      while (a < lt) a = this.nextAmp(this.reference(a, lt));
      this.pos = i = lt;
    }
    return this.markup(i);
  }

  /** The end of character data starting at i: the next '<' (a short loop first: most texts are short). */
  private textEndAt(i: number): number {
    const raw = this.buf;
    const len = this.len;
    let lt = i + 1;
    const stop = i + 24 < len ? i + 24 : len;
    while (lt < stop && raw[lt] !== Ch.LT) lt++;
    if (lt === stop && stop < len) {
      lt = raw.indexOf(Ch.LT, lt);
      if (lt < 0) lt = len;
    }
    return lt;
  }

  /** The token at i, which is '<' or the end of the input. */
  private markup(i: number): number {
    const raw = this.buf;
    if (i >= this.len) {
      if (this.open > 0) notWellFormed(`<${this.openName(this.open)}> is not closed`);
      return (this.kind = Token.EOF);
    }
    const c = raw[i + 1];
    if (c === Ch.SLASH) return this.endTag(i);
    if (c === Ch.BANG) return this.bang(i);
    if (c === Ch.QMARK) return this.pi(i);
    return this.startTag(i);
  }

  /** START, END: depth of the element (1 for a root); other tokens: depth of the enclosing element. */
  get depth(): number {
    return this.kind === Token.END || (this.kind === Token.START && this.selfClosing) ? this.open + 1 : this.open;
  }

  /** Offset just after the token. */
  get end(): number {
    return this.pos;
  }

  // --- markup --------------------------------------------------------------------------------------------

  /** At '<!': a comment or a CDATA section; anything else (DOCTYPE first) is refused. */
  private bang(lt: number): number {
    const raw = this.buf;
    if (raw[lt + 2] === Ch.DASH && raw[lt + 3] === Ch.DASH) {
      const q = raw.indexOf(DASH_DASH, lt + 4);
      if (q < 0) notWellFormed('unterminated comment');
      if (raw[q + 2] !== Ch.GT) notWellFormed("'--' inside a comment");
      return this.content(Token.COMMENT, lt + 4, q, q + 3);
    }
    if (raw[lt + 2] === 0x5b && raw[lt + 3] === 0x43 && raw[lt + 4] === 0x44 && raw[lt + 5] === 0x41 && raw[lt + 6] === 0x54 && raw[lt + 7] === 0x41 && raw[lt + 8] === 0x5b) {
      const q = raw.indexOf(CDATA_END, lt + 9);
      if (q < 0) notWellFormed('unterminated CDATA section');
      return this.content(Token.CDATA, lt + 9, q, q + 3);
    }
    if (latin1(raw, lt + 2, Math.min(lt + 9, this.len)).toUpperCase() === 'DOCTYPE') {
      throw new MiError(Errors.XML_DOCTYPE_IN_MESSAGE, 'DOCTYPE is not allowed in a message');
    }
    return notWellFormed('unknown markup declaration');
  }

  private content(kind: number, s: number, e: number, after: number): number {
    if (!allXmlChars(this.buf, s, e)) {
      notWellFormed(`a character XML does not allow in ${kind === Token.COMMENT ? 'a comment' : kind === Token.CDATA ? 'a CDATA section' : 'a processing instruction'}`);
    }
    this.textStart = s;
    this.textEnd = e;
    this.pos = after;
    return (this.kind = kind);
  }

  /** At '<?': a processing instruction, or the XML declaration where one may stand (then the next token). */
  private pi(lt: number): number {
    const raw = this.buf;
    const ts = lt + 2;
    const te = this.scanQName(ts);
    let q: number;
    if (raw[te] === Ch.QMARK && raw[te + 1] === Ch.GT) q = te;
    else if ((CLS[raw[te]!]! & Cls.WS) !== 0) {
      q = raw.indexOf(PI_END, te);
      if (q < 0) notWellFormed('unterminated processing instruction');
    } else return notWellFormed(`bad processing instruction <?${quotedName(raw, ts, te)}`);
    if (te - ts === 3 && (raw[ts]! | 0x20) === 0x78 && (raw[ts + 1]! | 0x20) === 0x6d && (raw[ts + 2]! | 0x20) === 0x6c) {
      if (lt !== this.declarationAt) notWellFormed('an XML declaration that is not at the start');
      if (!XML_DECL.test(latin1(raw, lt, q + 2))) notWellFormed('a malformed XML declaration');
      this.pos = q + 2;
      return this.next();
    }
    return this.content(Token.PI, te, q, q + 2);
  }

  private endTag(lt: number): number {
    const raw = this.buf;
    const d = this.open;
    const f = d * FRAME;
    const s = this.frames[f + F_NAME_START]!;
    const L = this.frames[f + F_NAME_END]! - s;
    let p = lt + 2;
    let k = 0;
    while (k < L && raw[p + k] === raw[s + k]) k++;
    p += k;
    while ((CLS[raw[p]!]! & Cls.WS) !== 0) p++;
    if (k !== L || raw[p] !== Ch.GT || d === 0) this.badEndTag(lt, d);
    this.pos = p + 1;
    this.scope.popTo(this.frames[f + F_MARK]!);
    this.open = d - 1;
    return (this.kind = Token.END);
  }

  private badEndTag(lt: number, d: number): never {
    if (d === 0) notWellFormed('an end tag where no element is open');
    const end = quotedName(this.buf, lt + 2, this.scanQName(lt + 2));
    const open = this.openName(d);
    if (end !== open) notWellFormed(`</${end}> closes <${open}>`);
    return notWellFormed(`unterminated end tag </${end}>`);
  }

  private openName(d: number): string {
    return quotedName(this.buf, this.frames[d * FRAME + F_NAME_START]!, this.frames[d * FRAME + F_NAME_END]!);
  }

  /** Scans a QName at p; returns its end, with its colon in this.scannedColon (-1 when none). */
  private scanQName(p: number): number {
    const raw = this.buf;
    const s = p;
    if ((CLS[raw[p]!]! & Cls.START) === 0 && !this.utf8Byte(raw[p])) notWellFormed('a name was expected');
    p++;
    let colon = -1;
    for (;;) {
      const b = raw[p]!;
      if ((CLS[b]! & Cls.NAME) !== 0) p++;
      else if (b === Ch.COLON) {
        if (colon >= 0) this.badQName(s);
        colon = p;
        p++;
        if ((CLS[raw[p]!]! & Cls.START) === 0 && !this.utf8Byte(raw[p])) this.badQName(s);
      } else if (b >= 0x80 && this.utf8Names) p++;
      else break;
    }
    this.scannedColon = colon;
    return p;
  }

  /** Whether b is a byte >= 0x80 and names may hold those. */
  private utf8Byte(b: number | undefined): boolean {
    return b !== undefined && b >= 0x80 && this.utf8Names;
  }

  /** Whether b continues a name. */
  private nameByte(b: number | undefined): boolean {
    return b !== undefined && ((CLS[b]! & Cls.NAME) !== 0 || (b >= 0x80 && this.utf8Names));
  }

  private badQName(s: number): never {
    let e = s;
    while (e < this.len && (this.nameByte(this.buf[e]) || this.buf[e] === Ch.COLON)) e++;
    return notWellFormed(`'${quotedName(this.buf, s, e)}' is not a qualified name`);
  }

  /** Whether `xmlns` starts at p and the name ends or has its colon right after it. */
  private isXmlns(p: number): boolean {
    const raw = this.buf;
    return raw[p] === 0x78 && raw[p + 1] === 0x6d && raw[p + 2] === 0x6c && raw[p + 3] === 0x6e && raw[p + 4] === 0x73 && (raw[p + 5] === Ch.COLON || !this.nameByte(raw[p + 5]));
  }

  private startTag(lt: number): number {
    const raw = this.buf;
    const qs = lt + 1;
    let p = this.scanQName(qs);
    const colon = this.scannedColon;
    this.nameStart = qs;
    this.nameEnd = p;
    this.colon = colon;
    if (p - (colon < 0 ? qs : colon + 1) === 5 && this.isXmlns(p - 5)) this.tagError(TAG_NAMED_XMLNS, 0, 0);
    let na = 0;
    if (raw[p] === Ch.GT) {
      this.selfClosing = false;
      p++;
    } else if (raw[p] === Ch.SLASH && raw[p + 1] === Ch.GT) {
      this.selfClosing = true;
      p += 2;
    } else {
      p = this.attributes(p);
      na = this.attrCount;
    }
    this.attrCount = na;
    const d = this.open;
    if (d >= this.maxDepth) throw new MiError(Errors.XML_NESTING_TOO_DEEP, `nesting deeper than ${this.maxDepth} elements`);
    const mark = this.scope.mark;
    const defNs = na === 0 ? this.frames[d * FRAME + F_DEFAULT_NS]! : this.declare(na);
    let ns = defNs;
    if (colon >= 0) {
      ns = this.scope.lookup(raw, qs, colon - qs);
      if (ns === NsId.UNBOUND) notWellFormed(`namespace prefix '${quotedName(raw, qs, colon)}' of <${quotedName(raw, qs, this.nameEnd)}> is not declared`);
    }
    if (na > 0) this.resolveAttributes(na);
    this.ns = ns;
    if (this.selfClosing) {
      // closed already: its declarations go out of scope (the token's namespace ids stay valid)
      this.scope.popTo(mark);
    } else {
      const nd = d + 1;
      this.open = nd;
      const f = nd * FRAME;
      if (f + FRAME > this.frames.length) this.growFrames();
      const frames = this.frames;
      frames[f + F_NAME_START] = qs;
      frames[f + F_NAME_END] = this.nameEnd;
      frames[f + F_MARK] = mark;
      frames[f + F_DEFAULT_NS] = defNs;
    }
    this.pos = p;
    return (this.kind = Token.START);
  }

  private growFrames(): void {
    const bigger = new Int32Array(this.frames.length * 2);
    bigger.set(this.frames);
    this.frames = bigger;
  }

  /** The attributes of the start tag from p to its '>' or '/>' (sets attrCount, selfClosing); returns the end. */
  private attributes(p: number): number {
    const raw = this.buf;
    const len = this.len;
    let na = 0;
    for (;;) {
      const sp = p;
      while ((CLS[raw[p]!]! & Cls.WS) !== 0) p++;
      const b = raw[p];
      if (b === Ch.GT) {
        this.selfClosing = false;
        p++;
        break;
      }
      if (b === Ch.SLASH) {
        if (raw[p + 1] !== Ch.GT) this.tagError(TAG_BAD_SLASH, 0, 0);
        this.selfClosing = true;
        p += 2;
        break;
      }
      if (p >= len) this.tagError(TAG_UNTERMINATED, 0, 0);
      if (p === sp) this.tagError(TAG_NO_SPACE, 0, 0);
      const as = p;
      p = this.scanQName(p);
      const ae = p;
      const ac = this.scannedColon;
      if (ac >= 0 && ae - ac === 6 && this.isXmlns(ae - 5)) this.tagError(ATTR_NAMED_XMLNS, as, ae);
      while ((CLS[raw[p]!]! & Cls.WS) !== 0) p++;
      if (raw[p] !== Ch.EQ) this.tagError(ATTR_NO_VALUE, as, ae);
      p++;
      while ((CLS[raw[p]!]! & Cls.WS) !== 0) p++;
      const quote = raw[p];
      if (quote !== Ch.QUOT && quote !== Ch.APOS) this.tagError(ATTR_NOT_QUOTED, as, ae);
      const vs = ++p;
      let flags = 0;
      for (;; p++) {
        if (p >= len) this.tagError(ATTR_UNTERMINATED, as, ae);
        const v = raw[p]!;
        if (v === quote) break;
        if (v === Ch.LT) this.tagError(ATTR_LT, as, ae);
        if (v === Ch.AMP) flags |= 1;
        else if (v === 0x09 || v === 0x0a || v === 0x0d || v >= 0x80) flags |= 2;
      }
      // every reference must be well-formed, whether or not the value is wanted
      if ((flags & 1) !== 0) for (let k = vs; k < p; k++) if (raw[k] === Ch.AMP) k = this.reference(k, p) - 1;
      if (na === this.attrNs.length) this.growAttributes();
      this.attrNameStart[na] = as;
      this.attrNameEnd[na] = ae;
      this.attrColon[na] = ac;
      this.attrValueStart[na] = vs;
      this.attrValueEnd[na] = p;
      this.attrFlags[na] = flags;
      na++;
      p++;
    }
    this.attrCount = na;
    return p;
  }

  private tagError(why: number, as: number, ae: number): never {
    const q = quotedName(this.buf, this.nameStart, this.nameEnd);
    const a = quotedName(this.buf, as, ae);
    const reasons = [
      `unterminated start tag <${q}>`,
      `bad '/' in <${q}>`,
      `attributes of <${q}> must be separated by white space`,
      `<${q}>: an element may not be named xmlns`,
      `attribute '${a}' of <${q}>: an attribute in a namespace may not be named xmlns`,
      `attribute '${a}' of <${q}> has no value`,
      `attribute '${a}' of <${q}> is not quoted`,
      `unterminated value of attribute '${a}'`,
      `'<' in the value of attribute '${a}'`,
    ];
    return notWellFormed(reasons[why]!);
  }

  // --- namespaces ----------------------------------------------------------------------------------------

  /** Binds the namespace declarations among the na attributes; returns the default namespace in effect. */
  private declare(na: number): number {
    const raw = this.buf;
    let defNs = this.frames[this.open * FRAME + F_DEFAULT_NS]!;
    for (let a = 0; a < na; a++) {
      const as = this.attrNameStart[a]!;
      const ac = this.attrColon[a]!;
      if (!this.isXmlns(as)) {
        this.attrNs[a] = ac < 0 ? NsId.NONE : NS_UNRESOLVED;
        continue;
      }
      const id = this.namespaceOf(a);
      if (ac < 0) {
        if (id === NsId.XML || id === NsId.XMLNS) notWellFormed(`the default namespace may not be ${this.uri(id)}`);
        defNs = id;
      } else {
        const ps = ac + 1;
        const pl = this.attrNameEnd[a]! - ps;
        const reserved = raw[ps] === 0x78 && raw[ps + 1] === 0x6d && raw[ps + 2] === 0x6c && (pl === 3 || (pl === 5 && raw[ps + 3] === 0x6e && raw[ps + 4] === 0x73));
        if (id === NsId.NONE || id === NsId.XML || id === NsId.XMLNS || reserved) this.badDeclaration(ps, pl, id, reserved);
        this.scope.bind(raw, ps, pl, id);
      }
      this.attrNs[a] = NsId.XMLNS;
    }
    return defNs;
  }

  private badDeclaration(ps: number, pl: number, id: number, reserved: boolean): never {
    const prefix = quotedName(this.buf, ps, ps + pl);
    if (id === NsId.NONE) notWellFormed(`prefix '${prefix}' is undeclared with an empty namespace`);
    if (reserved) notWellFormed(`the prefix '${prefix}' may not be declared`);
    return notWellFormed(`prefix '${prefix}' may not be bound to ${this.uri(id)}`);
  }

  /** Namespace id of the value of declaration a. */
  private namespaceOf(a: number): number {
    const s = this.attrValueStart[a]!;
    const e = this.attrValueEnd[a]!;
    if (s === e) return NsId.NONE;
    if (this.attrFlags[a] === 0) return this.scope.idOfBytes(this.buf, s, e);
    return this.scope.idOf(this.attrValue(a));
  }

  /** Looks up the prefixes of attributes, then refuses duplicates (same qualified or expanded name). */
  private resolveAttributes(na: number): void {
    const raw = this.buf;
    for (let a = 0; a < na; a++) {
      if (this.attrNs[a] !== NS_UNRESOLVED) continue;
      const as = this.attrNameStart[a]!;
      const id = this.scope.lookup(raw, as, this.attrColon[a]! - as);
      if (id === NsId.UNBOUND) notWellFormed(`namespace prefix of attribute '${quotedName(raw, as, this.attrNameEnd[a]!)}' is not declared`);
      this.attrNs[a] = id;
    }
    if (na > 1) this.checkUnique(na);
  }

  private checkUnique(na: number): void {
    const seen = this.seen;
    for (let a = 0; a < na; a++) {
      const size = seen.size;
      seen.add(this.attributeKey(a));
      if (seen.size === size) {
        seen.clear();
        this.duplicate(a);
      }
    }
    seen.clear();
  }

  /** Prefixed attributes clash by namespace and local name; the others (and declarations) by their name. */
  private attributeKey(a: number): string {
    const ns = this.attrNs[a]!;
    const b = this.buf;
    const e = this.attrNameEnd[a]!;
    // latin1: one character per byte, a faithful key for any bytes and cheaper than decoding UTF-8
    return ns >= 0 && ns !== NsId.XMLNS ? `${ns}:${latin1(b, this.attrColon[a]! + 1, e)}` : latin1(b, this.attrNameStart[a]!, e);
  }

  /** Reports attribute a, whose key an earlier attribute has. */
  private duplicate(a: number): never {
    const key = this.attributeKey(a);
    let before = 0;
    while (this.attributeKey(before) !== key) before++;
    const b = this.buf;
    const q = quotedName(b, this.nameStart, this.nameEnd);
    const an = quotedName(b, this.attrNameStart[a]!, this.attrNameEnd[a]!);
    const bn = quotedName(b, this.attrNameStart[before]!, this.attrNameEnd[before]!);
    if (an === bn) notWellFormed(`attribute '${an}' appears twice on <${q}>`);
    return notWellFormed(`attributes '${bn}' and '${an}' of <${q}> have the same namespace and local name`);
  }

}
