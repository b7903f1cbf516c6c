/**
 * Fast path for simple location paths over untouched message bytes.
 *
 * Content-based routing usually asks one small question of a message (`//order[1]/symbol`,
 * `/soapenv:Envelope/soapenv:Header/t:routing`); building the whole DOM and running the general XPath engine
 * for it costs hundreds of microseconds. `compileStreamPath` recognises a subset of XPath 1.0 location paths
 * and answers them with one forward pass over the raw bytes, returning exactly what the DOM engine
 * (@xmldom/xmldom + xpath, through Synapse's `synapseString()`) would return. Whenever the pass meets
 * anything it cannot reproduce with certainty (DOCTYPE, malformed markup, an unknown entity, an element
 * whose Synapse string value is its serialization, non-ASCII names, ...) `match` returns undefined and the
 * caller takes the DOM route, which decides and reports errors.
 *
 * Supported paths (anything else compiles to undefined):
 *   - absolute `/a/b`, descendant `//a/b`, `/a//b`, relative `a/b` (from the Envelope), and paths from the
 *     Synapse variables `$body/...`, `$header/...`, `$env/...`
 *   - name tests `name`, `p:name`, `*`, `p:*` (unprefixed names match elements in no namespace, as XPath 1.0)
 *   - one positional predicate `[n]` per element step (n a positive integer literal)
 *   - a final `/text()` or `//text()`, or a final `/@name`, `/@p:name`, `//@name`
 *
 * Mirrored details of the DOM engine: xmldom's line-end normalisation (CR LF, CR, NEL, LS, PS become LF
 * before parsing), attribute-value normalisation (TAB, LF, CR become a space; character references are not
 * normalised), its entity handling (the five predefined entities and decimal/hex character references; a
 * `&` that does not start a reference stays literal), its XML Char checks in comments, CDATA and PIs, the
 * Payload's wrapping of POX bodies (trimmed start, stripped declaration, `soapenv` prefix in scope), the
 * SOAP root check, `$body` failing without a Body, and the Synapse rule that an element whose direct text
 * is blank but which has children is serialized (we fall back for those). Paths that could select the
 * Document's own text children (xmldom keeps white space before the root there) are not compiled.
 *
 * Early stop: once no element still open can contribute to the result the pass ends (for example after the
 * positional match of `/a[1]/b[1]` closed). Bytes after that point are not checked for well-formedness, as
 * with the deferred building of Synapse's Axiom; the DOM engine would report errors there when a later step
 * builds the tree. Descendant (`//`) paths always read the whole document. Nesting deeper than MAX_DEPTH
 * (the default `[server] max_xml_depth`) falls back; a lower configured limit is not known here.
 */
import { isUtf8 } from 'node:buffer';

export interface StreamPath {
  /** Synapse string value of the path over `raw`, or undefined when the DOM engine must decide. */
  match(raw: Buffer, wrapped: boolean): string | undefined;
}

const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Elements nested deeper than this make the matcher fall back (the DOM route enforces the configured limit). */
const MAX_DEPTH = 100;
const MAX_FRAMES = MAX_DEPTH + 3; // document + virtual Envelope and Body of a wrapped POX body
/** Element steps per path (bits of an int32 mask, bit 0 is the context). */
const MAX_STEPS = 29;

// namespace ids: >= 0 index the compiled path's URI table
const NS_NONE = -1;
const NS_UNRESOLVED = -2; // a prefixed attribute before prefix resolution
const NS_ANY = -3;
const ID_SOAP11 = 0;
const ID_SOAP12 = 1;
const ID_XML = 2;
const ID_XMLNS = 3;
/** Namespaces the path does not name get ids from here on, per match, so that they still compare exactly. */
const ID_DOC_BASE = 1 << 20;

const FINAL_ELEMENT = 0;
const FINAL_TEXT = 1;
const FINAL_ATTR = 2;

const COLLECT_NONE = -1;
const COLLECT_PUSH = -2;

// byte classes
const C_START = 1; // NCName start (ASCII subset)
const C_NAME = 2; // NCName char (ASCII subset)
const C_WS = 4; // XML white space
const C_WORD = 8; // \w of xmldom's entity regex
const C_HEX = 16;
const C_DIGIT = 32;
const CLS = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const ch = String.fromCharCode(b);
  if (/[A-Za-z_]/.test(ch)) CLS[b] |= C_START | C_NAME | C_WORD;
  if (/[0-9]/.test(ch)) CLS[b] |= C_NAME | C_WORD | C_DIGIT;
  if (/[0-9A-Fa-f]/.test(ch)) CLS[b] |= C_HEX;
  if (ch === '-' || ch === '.') CLS[b] |= C_NAME;
  if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') CLS[b] |= C_WS;
}

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const SLASH = 0x2f;
const BANG = 0x21;
const QMARK = 0x3f;
const COLON = 0x3a;

const EMPTY = Buffer.alloc(0);
const DASH_DASH = Buffer.from('--');
const CDATA_END = Buffer.from(']]>');
const PI_END = Buffer.from('?>');
const VIRTUAL_NAMES = Buffer.from('EnvelopeBody');
const PREFIX_XML = Buffer.from('xml');
const PREFIX_SOAPENV = Buffer.from('soapenv');
const ENVELOPE = Buffer.from('Envelope');

const XML_DECL =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:'1\.[0-9]+'|"1\.[0-9]+")(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:'[A-Za-z][-A-Za-z0-9._]*'|"[A-Za-z][-A-Za-z0-9._]*"))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:'(?:yes|no)'|"(?:yes|no)"))?[ \t\r\n]*\?>$/;
const TEXT_EOL = /[\r\u0085\u2028\u2029]/;
const ATTR_WS = /[\t\n\r\u0085\u2028\u2029]/;

function normalizeEol(s: string): string {
  return s.replace(/\r[\n\u0085]/g, '\n').replace(/[\r\u0085\u2028\u2029]/g, '\n');
}

/** Thrown inside a match for anything the DOM engine must decide. */
const FALLBACK = new (class Fallback {})();

interface NameTest {
  local: Buffer | null; // null: any local name
  ns: number;
}

interface Step extends NameTest {
  desc: boolean; // preceded by `//`
  pos: number; // positional predicate, 0 when none
}

interface Plan {
  steps: Step[]; // steps[0] is unused (bit 0 is the document)
  final: number;
  finalDesc: boolean;
  attr: NameTest | null;
  uris: string[];
  requireBody: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// compiling

const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*/;

class Unsupported {}

function parsePath(source: string, namespaces: Record<string, string>): Plan {
  const uris = [SOAP11_NS, SOAP12_NS, XML_NS, XMLNS_NS];
  const nsId = (prefix: string | undefined): number => {
    if (prefix === undefined) return NS_NONE;
    if (!Object.prototype.hasOwnProperty.call(namespaces, prefix)) throw new Unsupported();
    const uri = namespaces[prefix];
    // '' makes the xpath package resolve the prefix against the document; xmlns attributes are declarations
    if (typeof uri !== 'string' || uri === '' || uri === XMLNS_NS || !/^[\x20-\x7e]*$/.test(uri)) throw new Unsupported();
    let id = uris.indexOf(uri);
    if (id < 0) id = uris.push(uri) - 1;
    return id;
  };
  const fail = (): never => {
    throw new Unsupported();
  };

  let i = 0;
  const n = source.length;
  const ws = (): void => {
    while (i < n && /[ \t\r\n]/.test(source[i]!)) i++;
  };
  const name = (): string | undefined => {
    const m = NCNAME.exec(source.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };

  const anyRoot: Step = { desc: false, local: null, ns: NS_ANY, pos: 0 };
  const steps: Step[] = [anyRoot]; // placeholder at index 0
  let requireBody = false;
  let desc = false;
  let needStep = true;

  ws();
  if (source[i] === '$') {
    i++;
    const v = name();
    if (v === 'body' || v === 'header') {
      steps.push({ ...anyRoot }, { desc: false, local: Buffer.from(v === 'body' ? 'Body' : 'Header'), ns: NS_ANY, pos: 1 });
      requireBody = v === 'body';
    } else if (v === 'env') {
      steps.push({ ...anyRoot });
    } else fail();
    ws();
    if (i === n) needStep = false;
    else if (source.startsWith('//', i)) {
      desc = true;
      i += 2;
    } else if (source[i] === '/') i++;
    else fail();
  } else if (source.startsWith('//', i)) {
    desc = true;
    i += 2;
  } else if (source[i] === '/') {
    i++;
  } else {
    steps.push({ ...anyRoot }); // relative to the Envelope
  }

  let final = FINAL_ELEMENT;
  let finalDesc = false;
  let attr: NameTest | null = null;
  while (needStep) {
    ws();
    if (source[i] === '@') {
      i++;
      ws();
      const a = name();
      if (a === undefined) fail();
      let prefix: string | undefined;
      let local = a!;
      if (source[i] === ':') {
        i++;
        const l = name();
        if (l === undefined) fail();
        prefix = local;
        local = l!;
      }
      attr = { local: Buffer.from(local), ns: nsId(prefix) };
      final = FINAL_ATTR;
      finalDesc = desc;
      ws();
      if (i !== n) fail();
      break;
    }
    let local: string | undefined;
    let prefix: string | undefined;
    if (source[i] === '*') {
      i++;
    } else {
      const first = name();
      if (first === undefined) fail();
      if (source.startsWith('::', i)) fail();
      if (source[i] === ':' && source[i + 1] === '*') {
        prefix = first;
        i += 2;
      } else if (source[i] === ':') {
        i++;
        const l = name();
        if (l === undefined) fail();
        prefix = first;
        local = l;
      } else {
        local = first;
        const save = i;
        ws();
        if (source[i] === '(') {
          i++;
          ws();
          if (first !== 'text' || source[i] !== ')') fail();
          i++;
          ws();
          if (i !== n) fail();
          final = FINAL_TEXT;
          finalDesc = desc;
          break;
        }
        if (source.startsWith('::', i)) fail();
        i = save;
      }
    }
    const step: Step = { desc, local: local === undefined ? null : Buffer.from(local), ns: prefix === undefined && local === undefined ? NS_ANY : nsId(prefix), pos: 0 };
    ws();
    if (source[i] === '[') {
      i++;
      ws();
      const m = /^[0-9]+/.exec(source.slice(i));
      if (!m) fail();
      i += m![0].length;
      ws();
      if (source[i] !== ']') fail();
      i++;
      const pos = Number(m![0]);
      if (!(pos >= 1 && pos <= 0x7fffffff)) fail();
      step.pos = pos;
      ws();
    }
    steps.push(step);
    if (i === n) break;
    if (source.startsWith('//', i)) {
      desc = true;
      i += 2;
    } else if (source[i] === '/') {
      desc = false;
      i++;
    } else fail();
  }
  const count = steps.length - 1;
  if (count > MAX_STEPS) fail();
  // the Document itself, or its children other than the root element (xmldom keeps white space text there)
  if (count === 0 && (final === FINAL_ELEMENT || final === FINAL_TEXT || !finalDesc)) fail();
  return { steps, final, finalDesc, attr, uris, requireBody };
}

export function compileStreamPath(source: string, namespaces: Record<string, string>): StreamPath | undefined {
  let plan: Plan;
  try {
    plan = parsePath(source, namespaces);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
  return new StreamMatcher(plan);
}

// ---------------------------------------------------------------------------------------------------------
// matching

/** parseXml()'s /<!DOCTYPE/i over the whole text (a one-byte search: Buffer.indexOf of '<!' is much slower). */
function hasDoctype(raw: Buffer): boolean {
  const len = raw.length;
  for (let k = raw.indexOf(BANG, 1); k >= 0; k = raw.indexOf(BANG, k + 1)) {
    if (
      raw[k - 1] === LT &&
      k + 8 <= len &&
      (raw[k + 1]! | 0x20) === 0x64 &&
      (raw[k + 2]! | 0x20) === 0x6f &&
      (raw[k + 3]! | 0x20) === 0x63 &&
      (raw[k + 4]! | 0x20) === 0x74 &&
      (raw[k + 5]! | 0x20) === 0x79 &&
      (raw[k + 6]! | 0x20) === 0x70 &&
      (raw[k + 7]! | 0x20) === 0x65
    ) {
      return true;
    }
  }
  return false;
}

const SCRATCH = {
  fMatched: new Int32Array(MAX_FRAMES + 1),
  fSub: new Int32Array(MAX_FRAMES + 1),
  fNameS: new Int32Array(MAX_FRAMES + 1),
  fNameE: new Int32Array(MAX_FRAMES + 1),
  fBind: new Int32Array(MAX_FRAMES + 1),
  fDefNs: new Int32Array(MAX_FRAMES + 1),
  fCollect: new Int32Array(MAX_FRAMES + 1),
  fHasChild: new Uint8Array(MAX_FRAMES + 1),
  fLive: new Uint8Array(MAX_FRAMES + 1),
  fNoMore: new Uint8Array(MAX_FRAMES + 1),
  counts: new Int32Array((MAX_FRAMES + 1) * (MAX_STEPS + 1)),
  bBuf: [] as Buffer[],
  bS: [] as number[],
  bL: [] as number[],
  bNs: [] as number[],
  aS: [] as number[],
  aE: [] as number[],
  aColon: [] as number[],
  aVS: [] as number[],
  aVE: [] as number[],
  aFlags: [] as number[],
  aNs: [] as number[],
  docUris: [] as string[],
};

class StreamMatcher implements StreamPath {
  // plan
  private readonly n: number;
  private readonly S: number;
  private readonly stepLocal: (Buffer | null)[];
  private readonly stepNs: Int32Array;
  private readonly stepPos: Int32Array;
  private readonly childPrev: number;
  private readonly descPrev: number;
  private readonly posSteps: number;
  private readonly nbit: number;
  private readonly final: number;
  private readonly finalDesc: boolean;
  private readonly attrLocal: Buffer | null;
  private readonly attrNs: number;
  private readonly uris: string[];
  private readonly uriBytes: Buffer[];
  private readonly requireBody: boolean;

  // per-frame state (frame 0 is the Document); matching is synchronous, so all matchers share the scratch
  private readonly fMatched = SCRATCH.fMatched;
  private readonly fSub = SCRATCH.fSub;
  private readonly fNameS = SCRATCH.fNameS;
  private readonly fNameE = SCRATCH.fNameE;
  private readonly fBind = SCRATCH.fBind;
  private readonly fDefNs = SCRATCH.fDefNs;
  private readonly fCollect = SCRATCH.fCollect;
  private readonly fHasChild = SCRATCH.fHasChild;
  private readonly fLive = SCRATCH.fLive;
  private readonly fNoMore = SCRATCH.fNoMore;
  private readonly counts = SCRATCH.counts;

  // namespace bindings in scope
  private readonly bBuf = SCRATCH.bBuf;
  private readonly bS = SCRATCH.bS;
  private readonly bL = SCRATCH.bL;
  private readonly bNs = SCRATCH.bNs;
  private bTop = 0;

  // attributes of the current start tag
  private readonly aS = SCRATCH.aS;
  private readonly aE = SCRATCH.aE;
  private readonly aColon = SCRATCH.aColon;
  private readonly aVS = SCRATCH.aVS;
  private readonly aVE = SCRATCH.aVE;
  private readonly aFlags = SCRATCH.aFlags;
  private readonly aNs = SCRATCH.aNs;

  // run state
  private raw: Buffer = EMPTY;
  private len = 0;
  private wrapped = false;
  private d = 0;
  private liveCount = 0;
  private amp = 0;
  private refVal = '';
  private rootSeen = false;
  private stopped = false;
  private parts: string[] = [];
  private readonly docUris = SCRATCH.docUris;

  constructor(plan: Plan) {
    const n = plan.steps.length - 1;
    this.n = n;
    this.S = n + 1;
    this.stepLocal = plan.steps.map((s) => s.local);
    this.stepNs = Int32Array.from(plan.steps.map((s) => s.ns));
    this.stepPos = Int32Array.from(plan.steps.map((s) => s.pos));
    let childPrev = 0;
    let descPrev = 0;
    let posSteps = 0;
    for (let k = 1; k <= n; k++) {
      const s = plan.steps[k]!;
      if (s.desc) descPrev |= 1 << (k - 1);
      else childPrev |= 1 << (k - 1);
      if (s.pos) posSteps |= 1 << k;
    }
    this.childPrev = childPrev;
    this.descPrev = descPrev;
    this.posSteps = posSteps;
    this.nbit = 1 << n;
    this.final = plan.final;
    this.finalDesc = plan.finalDesc;
    this.attrLocal = plan.attr ? plan.attr.local : null;
    this.attrNs = plan.attr ? plan.attr.ns : NS_NONE;
    this.uris = plan.uris;
    this.uriBytes = plan.uris.map((u) => Buffer.from(u, 'latin1'));
    this.requireBody = plan.requireBody;
  }

  match(raw: Buffer, wrapped: boolean): string | undefined {
    try {
      return this.run(raw, wrapped);
    } catch {
      // FALLBACK, or anything unforeseen: the DOM engine decides
      return undefined;
    } finally {
      this.raw = EMPTY; // keep no message alive
      this.parts = [];
      this.bBuf.fill(EMPTY);
    }
  }

  private run(raw: Buffer, wrapped: boolean): string | undefined {
    const len = raw.length;
    if (len === 0 || hasDoctype(raw) || !isUtf8(raw)) return undefined;
    this.raw = raw;
    this.len = len;
    this.wrapped = wrapped;
    this.amp = -1;
    this.rootSeen = false;
    this.stopped = false;
    this.parts = [];
    this.docUris.length = 0;
    this.liveCount = 0;
    this.bTop = 0;
    this.bind(PREFIX_XML, 0, 3, ID_XML);

    // the Document
    this.d = 0;
    this.fMatched[0] = 1;
    this.fSub[0] = 1;
    this.fNameS[0] = -1;
    this.fBind[0] = this.bTop;
    this.fDefNs[0] = NS_NONE;
    this.fCollect[0] = COLLECT_NONE;
    this.fHasChild[0] = 0;
    this.fNoMore[0] = 0;
    for (let k = 0; k < this.S; k++) this.counts[k] = 0;
    this.fLive[0] = this.computeLive(0) ? 1 : 0;
    this.liveCount = this.fLive[0]!;

    let i = 0;
    if (wrapped) {
      // Payload.envelope(): trimStart(), BOM, a leading `<?xml ...?>`, then `<soapenv:Envelope><soapenv:Body>`
      for (;;) {
        const b = raw[i];
        if (b === 0x20 || (b !== undefined && b >= 0x09 && b <= 0x0d)) i++;
        else if (b === 0xef && raw[i + 1] === 0xbb && raw[i + 2] === 0xbf) i += 3;
        else break;
      }
      if (i < len && raw[i]! >= 0x80) return undefined; // other Unicode white space
      if (raw[i] === LT && raw[i + 1] === QMARK && raw[i + 2] === 0x78 && raw[i + 3] === 0x6d && raw[i + 4] === 0x6c) {
        const q = raw.indexOf(PI_END, i);
        if (q < 0) return undefined;
        i = q + 2;
      }
      this.bind(PREFIX_SOAPENV, 0, 7, ID_SOAP11);
      this.openElement(VIRTUAL_NAMES, 0, 8, ID_SOAP11, -1, -1, NS_NONE, 1, 0);
      this.openElement(VIRTUAL_NAMES, 8, 12, ID_SOAP11, -1, -1, NS_NONE, this.bTop, 0);
      this.rootSeen = true;
    }

    while (!this.stopped) {
      // character data up to the next '<'
      let lt = i;
      const stop = i + 24 < len ? i + 24 : len;
      while (lt < stop && raw[lt] !== LT) lt++;
      if (lt === stop && stop < len) {
        lt = raw.indexOf(LT, lt);
        if (lt < 0) lt = len;
      }
      if (lt > i) this.text(i, lt);
      if (lt >= len) break;
      const c = raw[lt + 1];
      if (c === SLASH) i = this.endTag(lt);
      else if (c === BANG) i = this.bang(lt);
      else if (c === QMARK) i = this.pi(lt);
      else i = this.startTag(lt);
    }

    if (!this.stopped) {
      if (wrapped) {
        if (this.d !== 2) return undefined;
        this.closeElement();
        this.closeElement();
      } else if (this.d !== 0 || !this.rootSeen) {
        return undefined;
      }
    }
    const parts = this.parts;
    return parts.length === 1 ? parts[0]! : parts.join('');
  }

  /** Whether frame d can still add to the result (then the pass cannot stop). */
  private computeLive(d: number): boolean {
    if (this.fCollect[d] !== COLLECT_NONE) return true;
    if (this.final === FINAL_ATTR && this.finalDesc && (this.fSub[d]! & this.nbit) !== 0) return true;
    if (this.fNoMore[d]) return false;
    // a descendant step stays possible below any future child, whatever the positions of this frame's children
    if ((this.fSub[d]! & this.descPrev) !== 0) return true;
    let en = (this.fMatched[d]! & this.childPrev) << 1;
    let p = en & this.posSteps;
    if (p !== 0) {
      const base = d * this.S;
      for (let k = 1; p !== 0; k++) {
        const bit = 1 << k;
        if ((p & bit) !== 0) {
          p &= ~bit;
          if (this.counts[base + k]! >= this.stepPos[k]!) en &= ~bit;
        }
      }
    }
    return en !== 0;
  }

  // --- character data ---------------------------------------------------------------------------------

  private text(s: number, e: number): void {
    const d = this.d;
    const raw = this.raw;
    if (d === 0) {
      // outside the root element only white space (xmldom keeps it as Document text, which no path reaches)
      for (let k = s; k < e; k++) if ((CLS[raw[k]!]! & C_WS) === 0) throw FALLBACK;
      return;
    }
    this.fHasChild[d] = 1;
    const col = this.fCollect[d]!;
    if (col === COLLECT_NONE) {
      let a = this.amp;
      if (a < s) a = this.nextAmp(s);
      while (a < e) a = this.nextAmp(this.ref(a, e));
      return;
    }
    const t = this.decodeText(s, e);
    if (col === COLLECT_PUSH) this.parts.push(t);
    else this.parts[col] += t;
  }

  private nextAmp(from: number): number {
    let a = this.raw.indexOf(AMP, from);
    if (a < 0) a = this.len;
    this.amp = a;
    return a;
  }

  private decodeText(s: number, e: number): string {
    let a = this.amp;
    if (a < s) a = this.nextAmp(s);
    if (a >= e) return this.textPiece(s, e);
    let out = '';
    let p = s;
    while (a < e) {
      if (a > p) out += this.textPiece(p, a);
      p = this.ref(a, e);
      out += this.refVal;
      a = this.nextAmp(p);
    }
    if (e > p) out += this.textPiece(p, e);
    return out;
  }

  private textPiece(s: number, e: number): string {
    const raw = this.raw;
    if (e - s <= 32) {
      // short ASCII runs: building the string here beats a native slice call
      let t = '';
      let k = s;
      for (; k < e; k++) {
        const b = raw[k]!;
        if (b >= 0x80 || b === 0x0d) break;
        t += String.fromCharCode(b);
      }
      if (k === e) return t;
    }
    const t = raw.toString('utf8', s, e);
    return TEXT_EOL.test(t) ? normalizeEol(t) : t;
  }

  /**
   * xmldom's entity handling at raw[p] === '&' within [p, end): sets refVal and returns the index after the
   * reference. `&` not followed by `#?\w` stays literal; anything the DOM rejects falls back.
   */
  private ref(p: number, end: number): number {
    const raw = this.raw;
    let j = p + 1;
    const hash = j < end && raw[j] === 0x23;
    if (hash) j++;
    const ws = j;
    while (j < end && (CLS[raw[j]!]! & C_WORD) !== 0) j++;
    if (j === ws) {
      this.refVal = '&';
      return p + 1;
    }
    if (j >= end || raw[j] !== 0x3b) throw FALLBACK; // EntityRef: expecting ;
    if (hash) {
      let code = 0;
      if (raw[ws] === 0x78) {
        if (j === ws + 1) throw FALLBACK;
        for (let k = ws + 1; k < j; k++) {
          const b = raw[k]!;
          if ((CLS[b]! & C_HEX) === 0) throw FALLBACK;
          code = code * 16 + (b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x57);
          if (code > 0x10ffff) throw FALLBACK;
        }
      } else {
        for (let k = ws; k < j; k++) {
          const b = raw[k]!;
          if ((CLS[b]! & C_DIGIT) === 0) throw FALLBACK;
          code = code * 10 + (b - 0x30);
          if (code > 0x10ffff) throw FALLBACK;
        }
      }
      this.refVal = String.fromCodePoint(code);
    } else {
      const L = j - ws;
      const b0 = raw[ws]!;
      const b1 = raw[ws + 1];
      const b2 = raw[ws + 2];
      const b3 = raw[ws + 3];
      if (L === 2 && b0 === 0x6c && b1 === 0x74) this.refVal = '<';
      else if (L === 2 && b0 === 0x67 && b1 === 0x74) this.refVal = '>';
      else if (L === 3 && b0 === 0x61 && b1 === 0x6d && b2 === 0x70) this.refVal = '&';
      else if (L === 4 && b0 === 0x71 && b1 === 0x75 && b2 === 0x6f && b3 === 0x74) this.refVal = '"';
      else if (L === 4 && b0 === 0x61 && b1 === 0x70 && b2 === 0x6f && b3 === 0x73) this.refVal = "'";
      else throw FALLBACK;
    }
    return j + 1;
  }

  /** Comment, CDATA and PI content must be XML Chars for xmldom's grammar (raw is valid UTF-8 here). */
  private checkChars(s: number, e: number): void {
    const raw = this.raw;
    for (let k = s; k < e; k++) {
      const b = raw[k]!;
      if (b < 0x20) {
        if (b !== 0x09 && b !== 0x0a && b !== 0x0d) throw FALLBACK;
      } else if (b === 0xef && raw[k + 1] === 0xbf && (raw[k + 2] === 0xbe || raw[k + 2] === 0xbf)) {
        throw FALLBACK; // U+FFFE, U+FFFF
      }
    }
  }

  // --- markup -----------------------------------------------------------------------------------------

  private bang(lt: number): number {
    const raw = this.raw;
    const d = this.d;
    const c = raw[lt + 2];
    if (c === 0x2d) {
      if (raw[lt + 3] !== 0x2d) throw FALLBACK;
      const q = raw.indexOf(DASH_DASH, lt + 4);
      if (q < 0 || raw[q + 2] !== GT) throw FALLBACK;
      this.checkChars(lt + 4, q);
      if (d > 0) this.fHasChild[d] = 1;
      return q + 3;
    }
    if (
      c === 0x5b &&
      raw[lt + 3] === 0x43 &&
      raw[lt + 4] === 0x44 &&
      raw[lt + 5] === 0x41 &&
      raw[lt + 6] === 0x54 &&
      raw[lt + 7] === 0x41 &&
      raw[lt + 8] === 0x5b
    ) {
      if (d === 0) throw FALLBACK; // CDATA outside of element
      const s = lt + 9;
      const q = raw.indexOf(CDATA_END, s);
      if (q < 0) throw FALLBACK;
      this.checkChars(s, q);
      this.fHasChild[d] = 1;
      const col = this.fCollect[d]!;
      if (col !== COLLECT_NONE) {
        const t = this.textPiece(s, q);
        if (col === COLLECT_PUSH) this.parts.push(t);
        else this.parts[col] += t;
      }
      return q + 3;
    }
    throw FALLBACK; // DOCTYPE and anything else
  }

  private pi(lt: number): number {
    const raw = this.raw;
    let p = lt + 2;
    const b0 = raw[p];
    if (b0 === undefined || ((CLS[b0]! & C_START) === 0 && b0 !== COLON)) throw FALLBACK;
    p++;
    while (p < this.len && ((CLS[raw[p]!]! & C_NAME) !== 0 || raw[p] === COLON)) p++;
    const targetEnd = p;
    let q: number;
    if (raw[p] === QMARK && raw[p + 1] === GT) q = p;
    else if ((CLS[raw[p]!]! & C_WS) !== 0) {
      q = raw.indexOf(PI_END, p);
      if (q < 0) throw FALLBACK;
      this.checkChars(p, q);
      for (let k = p; k < q; k++) if (raw[k] === LT) throw FALLBACK; // would upset the depth guard
    } else throw FALLBACK;
    if (
      targetEnd - lt === 5 &&
      (raw[lt + 2]! | 0x20) === 0x78 &&
      (raw[lt + 3]! | 0x20) === 0x6d &&
      (raw[lt + 4]! | 0x20) === 0x6c
    ) {
      // an XML declaration: only at the very start of an unwrapped document, and well-formed
      if (this.wrapped || lt !== 0 || !XML_DECL.test(raw.toString('latin1', 0, q + 2))) throw FALLBACK;
    }
    if (this.d > 0) this.fHasChild[this.d] = 1;
    return q + 2;
  }

  private endTag(lt: number): number {
    const raw = this.raw;
    const d = this.d;
    const s = this.fNameS[d]!;
    if (d === 0 || s < 0) throw FALLBACK; // nothing open, or it would close the wrapper
    const L = this.fNameE[d]! - s;
    let p = lt + 2;
    for (let k = 0; k < L; k++) if (raw[p + k] !== raw[s + k]) throw FALLBACK;
    p += L;
    while ((CLS[raw[p]!]! & C_WS) !== 0) p++;
    if (raw[p] !== GT) throw FALLBACK;
    this.closeElement();
    if (this.liveCount === 0 && this.d > 0) this.stopped = true;
    return p + 1;
  }

  /** Scans a QName at p; returns its end, with the colon position in this.colon (-1 when none). */
  private colon = -1;
  private qname(p: number): number {
    const raw = this.raw;
    if ((CLS[raw[p]!]! & C_START) === 0) throw FALLBACK;
    p++;
    let colon = -1;
    for (;;) {
      const b = raw[p]!;
      if ((CLS[b]! & C_NAME) !== 0) p++;
      else if (b === COLON) {
        if (colon >= 0) throw FALLBACK;
        colon = p;
        p++;
        if ((CLS[raw[p]!]! & C_START) === 0) throw FALLBACK;
      } else break;
    }
    this.colon = colon;
    return p;
  }

  private startTag(lt: number): number {
    const raw = this.raw;
    const len = this.len;
    const qs = lt + 1;
    let p = this.qname(qs);
    const qe = p;
    const colon = this.colon;
    if (qe - (colon < 0 ? qs : colon + 1) === 5 && this.isXmlns(qe - 5)) throw FALLBACK; // NamespaceError in the DOM
    let na = 0;
    let selfClose = false;
    for (;;) {
      const sp = p;
      while ((CLS[raw[p]!]! & C_WS) !== 0) p++;
      const b = raw[p];
      if (b === GT) {
        p++;
        break;
      }
      if (b === SLASH) {
        if (raw[p + 1] !== GT) throw FALLBACK;
        selfClose = true;
        p += 2;
        break;
      }
      if (p === sp) throw FALLBACK; // attributes must be separated by white space
      const as = p;
      p = this.qname(p);
      const ae = p;
      if (this.colon >= 0 && ae - this.colon === 6 && this.isXmlns(ae - 5)) throw FALLBACK; // p:xmlns
      while ((CLS[raw[p]!]! & C_WS) !== 0) p++;
      if (raw[p] !== 0x3d) throw FALLBACK;
      p++;
      while ((CLS[raw[p]!]! & C_WS) !== 0) p++;
      const quote = raw[p];
      if (quote !== 0x22 && quote !== 0x27) throw FALLBACK;
      const vs = ++p;
      let flags = 0;
      for (;; p++) {
        if (p >= len) throw FALLBACK;
        const v = raw[p]!;
        if (v === quote) break;
        if (v === LT) throw FALLBACK;
        if (v === AMP) flags |= 1;
        else if (v === 0x09 || v === 0x0a || v === 0x0d || v >= 0x80) flags |= 2;
      }
      if ((flags & 1) !== 0) {
        // every reference must be well-formed, whether or not the value is wanted
        for (let k = vs; k < p; k++) if (raw[k] === AMP) k = this.ref(k, p) - 1;
      }
      this.aS[na] = as;
      this.aE[na] = ae;
      this.aColon[na] = this.colon;
      this.aVS[na] = vs;
      this.aVE[na] = p;
      this.aFlags[na] = flags;
      na++;
      p++;
    }

    // namespace declarations
    const bindBase = this.bTop;
    let defNs = this.fDefNs[this.d]!;
    for (let a = 0; a < na; a++) {
      const as = this.aS[a]!;
      const ac = this.aColon[a]!;
      if (!this.isXmlns(as)) {
        this.aNs[a] = ac < 0 ? NS_NONE : NS_UNRESOLVED; // prefixed ones are resolved below
        continue;
      }
      if (ac < 0 && this.aE[a]! - as === 5) {
        const id = this.valueNs(a);
        if (id === ID_XML || id === ID_XMLNS) throw FALLBACK;
        defNs = id;
        this.aNs[a] = NS_ANY; // marks a declaration
      } else if (ac === as + 5) {
        const ps = ac + 1;
        const pl = this.aE[a]! - ps;
        if (raw[ps] === 0x78 && raw[ps + 1] === 0x6d && raw[ps + 2] === 0x6c && (pl === 3 || (pl === 5 && raw[ps + 3] === 0x6e && raw[ps + 4] === 0x73))) {
          throw FALLBACK; // re-binding xml or xmlns
        }
        const id = this.valueNs(a);
        if (id === NS_NONE || id === ID_XML || id === ID_XMLNS) throw FALLBACK; // xmlns:p="" is XML 1.1
        this.bind(raw, ps, pl, id);
        this.aNs[a] = NS_ANY;
      } else {
        this.aNs[a] = ac < 0 ? NS_NONE : NS_UNRESOLVED;
      }
    }
    for (let a = 0; a < na; a++) {
      if (this.aNs[a] === NS_UNRESOLVED) this.aNs[a] = this.lookup(this.aS[a]!, this.aColon[a]!);
    }
    if (na > 1) {
      // duplicates: the same QName is an error, the same expanded name is silently dropped by xmldom
      for (let a = 1; a < na; a++) {
        const ac = this.aColon[a]!;
        const ls = ac < 0 ? this.aS[a]! : ac + 1;
        const L = this.aE[a]! - ls;
        const ans = this.aNs[a]!;
        for (let b = 0; b < a; b++) {
          const bc = this.aColon[b]!;
          // no namespace never equals a prefix's namespace (xmlns:p="" falls back), and attributes in
          // different namespaces (declarations are in the xmlns one) cannot clash
          if (ac < 0 !== bc < 0) continue;
          if (ans !== this.aNs[b]) continue;
          const ms = bc < 0 ? this.aS[b]! : bc + 1;
          if (this.aE[b]! - ms !== L) continue;
          let k = 0;
          while (k < L && raw[ls + k] === raw[ms + k]) k++;
          if (k === L) throw FALLBACK;
        }
      }
    }
    const ens = colon < 0 ? defNs : this.lookup(qs, colon);

    if (this.d === 0) {
      if (this.rootSeen) throw FALLBACK; // a second root element
      if (!this.nameIs(ENVELOPE, colon < 0 ? qs : colon + 1, qe) || (ens !== ID_SOAP11 && ens !== ID_SOAP12)) throw FALLBACK;
      this.rootSeen = true;
    }
    this.openElement(raw, colon < 0 ? qs : colon + 1, qe, ens, qs, qe, defNs, bindBase, na);
    if (selfClose) this.closeElement();
    if (this.liveCount === 0 && this.d > 0) this.stopped = true;
    return p;
  }

  /** Whether `xmlns` starts at p and the name ends or has its colon there. */
  private isXmlns(p: number): boolean {
    const raw = this.raw;
    return raw[p] === 0x78 && raw[p + 1] === 0x6d && raw[p + 2] === 0x6c && raw[p + 3] === 0x6e && raw[p + 4] === 0x73 && (raw[p + 5] === COLON || (CLS[raw[p + 5]!]! & (C_NAME | C_START)) === 0);
  }

  private nameIs(name: Buffer, s: number, e: number): boolean {
    if (e - s !== name.length) return false;
    const raw = this.raw;
    for (let k = 0; k < name.length; k++) if (raw[s + k] !== name[k]) return false;
    return true;
  }

  /** Namespace id bound to the prefix raw[s, colon). */
  private lookup(s: number, colon: number): number {
    const raw = this.raw;
    const L = colon - s;
    for (let b = this.bTop - 1; b >= 0; b--) {
      if (this.bL[b] !== L) continue;
      const buf = this.bBuf[b]!;
      const bs = this.bS[b]!;
      let k = 0;
      while (k < L && raw[s + k] === buf[bs + k]) k++;
      if (k === L) return this.bNs[b]!;
    }
    throw FALLBACK; // unbound prefix
  }

  private bind(buf: Buffer, s: number, L: number, ns: number): void {
    const b = this.bTop++;
    this.bBuf[b] = buf;
    this.bS[b] = s;
    this.bL[b] = L;
    this.bNs[b] = ns;
  }

  /** Namespace id of a namespace declaration's value: NS_NONE for '', ID_DOC_BASE on when the path does not name it. */
  private valueNs(a: number): number {
    const s = this.aVS[a]!;
    const e = this.aVE[a]!;
    if (s === e) return NS_NONE;
    if (this.aFlags[a] !== 0) {
      const uri = this.attrValue(a);
      if (uri === '') return NS_NONE;
      const id = this.uris.indexOf(uri);
      return id < 0 ? this.docNs(uri) : id;
    }
    const raw = this.raw;
    const L = e - s;
    const ub = this.uriBytes;
    for (let id = 0; id < ub.length; id++) {
      const u = ub[id]!;
      if (u.length !== L) continue;
      let k = 0;
      while (k < L && raw[s + k] === u[k]) k++;
      if (k === L) return id;
    }
    return this.docNs(raw.toString('latin1', s, e));
  }

  private docNs(uri: string): number {
    let id = this.docUris.indexOf(uri);
    if (id < 0) id = this.docUris.push(uri) - 1;
    return ID_DOC_BASE + id;
  }

  private attrValue(a: number): string {
    const s = this.aVS[a]!;
    const e = this.aVE[a]!;
    const flags = this.aFlags[a]!;
    const raw = this.raw;
    if (flags === 0) {
      if (e - s > 32) return raw.toString('latin1', s, e);
      let t = '';
      for (let k = s; k < e; k++) t += String.fromCharCode(raw[k]!);
      return t;
    }
    if ((flags & 1) === 0) return this.attrPiece(s, e);
    let out = '';
    let p = s;
    for (let k = s; k < e; k++) {
      if (raw[k] !== AMP) continue;
      if (k > p) out += this.attrPiece(p, k);
      p = this.ref(k, e);
      out += this.refVal;
      k = p - 1;
    }
    if (e > p) out += this.attrPiece(p, e);
    return out;
  }

  private attrPiece(s: number, e: number): string {
    const t = this.raw.toString('utf8', s, e);
    return ATTR_WS.test(t) ? normalizeEol(t).replace(/[\t\n\r]/g, ' ') : t;
  }

  private openElement(buf: Buffer, ls: number, le: number, ens: number, qs: number, qe: number, defNs: number, bindBase: number, na: number): void {
    const P = this.d;
    const nd = P + 1;
    if ((this.wrapped ? nd - 2 : nd) > MAX_DEPTH) throw FALLBACK;
    this.fHasChild[P] = 1;
    const S = this.S;
    let matched = 0;
    const en = ((this.fMatched[P]! & this.childPrev) | (this.fSub[P]! & this.descPrev)) << 1;
    if (en !== 0) {
      for (let k = 1; k <= this.n; k++) {
        if ((en & (1 << k)) === 0) continue;
        const tns = this.stepNs[k]!;
        if (tns !== NS_ANY && tns !== ens) continue;
        const loc = this.stepLocal[k];
        if (loc) {
          const L = loc.length;
          if (le - ls !== L) continue;
          let j = 0;
          while (j < L && loc[j] === buf[ls + j]) j++;
          if (j !== L) continue;
        }
        const pos = this.stepPos[k]!;
        if (pos !== 0) {
          const ci = P * S + k;
          const c = this.counts[ci]! + 1;
          this.counts[ci] = c;
          if (c !== pos) continue;
        }
        matched |= 1 << k;
      }
    }
    const sub = this.fSub[P]! | matched;
    this.fMatched[nd] = matched;
    this.fSub[nd] = sub;
    this.fNameS[nd] = qs;
    this.fNameE[nd] = qe;
    this.fBind[nd] = bindBase;
    this.fDefNs[nd] = defNs;
    this.fHasChild[nd] = 0;
    this.fNoMore[nd] = 0;
    if (this.posSteps !== 0) for (let k = nd * S, e = k + S; k < e; k++) this.counts[k] = 0;
    const nbit = this.nbit;
    let collect = COLLECT_NONE;
    if (this.final === FINAL_ELEMENT) {
      if ((matched & nbit) !== 0) {
        collect = this.parts.length;
        this.parts.push('');
      }
    } else if (((this.finalDesc ? sub : matched) & nbit) !== 0) {
      if (this.final === FINAL_TEXT) collect = COLLECT_PUSH;
      else {
        const loc = this.attrLocal!;
        const tns = this.attrNs;
        for (let a = 0; a < na; a++) {
          if (this.aNs[a] !== tns) continue;
          const ac = this.aColon[a]!;
          if (this.nameIs(loc, ac < 0 ? this.aS[a]! : ac + 1, this.aE[a]!)) {
            this.parts.push(this.attrValue(a));
            break;
          }
        }
      }
    }
    this.fCollect[nd] = collect;
    // the Document has one element child; so has the Envelope wrapped around a POX body
    if (P === 0 || (this.wrapped && P === 1)) this.fNoMore[P] = 1;
    if (this.fLive[P] && (this.posSteps !== 0 || this.fNoMore[P]) && !this.computeLive(P)) {
      this.fLive[P] = 0;
      this.liveCount--;
    }
    this.d = nd;
    if (this.computeLive(nd)) {
      this.fLive[nd] = 1;
      this.liveCount++;
    } else this.fLive[nd] = 0;
  }

  private closeElement(): void {
    const d = this.d;
    const col = this.fCollect[d]!;
    if (col >= 0 && this.fHasChild[d] && this.parts[col]!.trim() === '') throw FALLBACK; // Synapse serializes it
    if (d === 1 && this.requireBody && this.counts[this.S + 2] === 0) throw FALLBACK; // $body: no Body, an error
    this.bTop = this.fBind[d]!;
    if (this.fLive[d]) this.liveCount--;
    this.d = d - 1;
  }
}

