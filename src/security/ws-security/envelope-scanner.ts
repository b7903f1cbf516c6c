/**
 * One forward pass over the raw bytes of a SOAP request, up to the start tag of soap:Body: the envelope's
 * version, and the header blocks named Security as small trees with their byte ranges, so the verified
 * header can be cut out of the bytes and the body passes through untouched and unparsed. Building the DOM
 * of a whole message costs hundreds of microseconds; this costs a few.
 *
 * Strict where it reads: the Envelope start tag and the whole Header are checked for well-formedness
 * (matching tags, quoted attributes, declared prefixes, the five predefined entities and character
 * references, no DOCTYPE), and the element after the Header must be soap:Body. Whatever it cannot read
 * is `malformed`, never a guess; the caller answers with a fault. Bytes after the Body start tag are left
 * to the backend, as a pass-through proxy leaves them.
 */
import { SOAP11_NS, SOAP12_NS } from '../../xml/dom.js';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export interface ScannedAttr {
  readonly ns: string;
  readonly local: string;
  readonly value: string;
}

export interface ScannedElement {
  readonly ns: string;
  readonly local: string;
  /** The name as written (prefix:local), for messages. */
  readonly qname: string;
  readonly attrs: readonly ScannedAttr[];
  readonly children: ScannedElement[];
  /** Character data directly inside (entities decoded, CDATA included). */
  text: string;
  /** Byte offsets of the element in the message: from '<' to just after its end tag. */
  readonly start: number;
  end: number;
}

export type ScanResult =
  | { readonly kind: 'soap'; readonly version: '1.1' | '1.2'; readonly securityHeaders: readonly ScannedElement[] }
  | { readonly kind: 'not-soap' }
  | { readonly kind: 'malformed'; readonly reason: string };

class Malformed extends Error {}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QMARK = 0x3f;
const AMP = 0x26;
const EQ = 0x3d;
const QUOT = 0x22;
const APOS = 0x27;

/**
 * Buffer's own slice decoders, without the argument checks and encoding lookup of toString(), which cost
 * more than the decoding of the short names here (toString calls them after those checks).
 */
type Slicers = { latin1Slice(s: number, e: number): string; utf8Slice(s: number, e: number): string };
function latin1(b: Buffer, s: number, e: number): string {
  return (b as unknown as Slicers).latin1Slice(s, e);
}
function utf8(b: Buffer, s: number, e: number): string {
  return (b as unknown as Slicers).utf8Slice(s, e);
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0x80;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

interface RawTag {
  qname: string;
  attrs: { qname: string; value: string }[];
  selfClosing: boolean;
  start: number;
}

/** Prefix -> namespace, one frame per open element (undefined when the element declares none). */
type Scope = (Map<string, string> | undefined)[];

class Scanner {
  private i = 0;
  private readonly scope: Scope = [];

  constructor(
    private readonly b: Buffer,
    private readonly maxDepth: number,
  ) {}

  private fail(reason: string): never {
    throw new Malformed(reason);
  }

  private startsWith(s: string): boolean {
    const b = this.b;
    if (this.i + s.length > b.length) return false;
    for (let k = 0; k < s.length; k++) if (b[this.i + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  private skipTo(s: string, what: string): void {
    const at = this.b.indexOf(s, this.i, 'latin1');
    if (at < 0) this.fail(`unterminated ${what}`);
    this.i = at + s.length;
  }

  /** At '<!--': skips the comment ('--' may not occur inside). */
  private comment(): void {
    const s = this.i + 4;
    this.skipTo('-->', 'comment');
    const inner = this.b.indexOf('--', s, 'latin1');
    if (inner < this.i - 3 || this.b[this.i - 4] === 0x2d) this.fail("'--' inside a comment");
  }

  /** At '<?': skips a processing instruction, whose target is a name other than xml. */
  private pi(): void {
    this.i += 2;
    const target = this.name();
    if (target.toLowerCase() === 'xml') this.fail('an XML declaration that is not at the start');
    if (!this.startsWith('?>') && !this.ws()) this.fail(`bad processing instruction <?${target}`);
    this.skipTo('?>', 'processing instruction');
  }

  /** White space, comments and processing instructions. Returns at '<' of the next tag or at text. */
  private skipMisc(allowText: boolean): void {
    const b = this.b;
    for (;;) {
      while (this.i < b.length && isWs(b[this.i]!)) this.i++;
      if (this.i >= b.length) return;
      if (b[this.i] !== LT) {
        if (allowText) return;
        this.fail('text where an element was expected');
      }
      if (this.startsWith('<!--')) this.comment();
      else if (this.startsWith('<?')) this.pi();
      else if (this.startsWith('<!DOCTYPE') || this.startsWith('<!doctype')) this.fail('DOCTYPE is not allowed in a message');
      else return;
    }
  }

  private name(): string {
    const b = this.b;
    const s = this.i;
    if (s >= b.length || !isNameStart(b[s]!)) this.fail('a name was expected');
    let e = s + 1;
    while (e < b.length && isNameChar(b[e]!)) e++;
    this.i = e;
    const n = latin1(b, s, e);
    // a QName: one colon at most, between a prefix and a local part
    const colon = n.indexOf(':');
    if (colon === 0 || colon === n.length - 1 || (colon > 0 && (n.indexOf(':', colon + 1) > 0 || !isNameStart(b[s + colon + 1]!)))) this.fail(`'${n}' is not a qualified name`);
    return n;
  }

  private ws(): boolean {
    const s = this.i;
    while (this.i < this.b.length && isWs(this.b[this.i]!)) this.i++;
    return this.i > s;
  }

  /** Decodes [s, e) (UTF-8) with entity and character references resolved. */
  private decode(s: number, e: number): string {
    const b = this.b;
    // bounded scans: an unbounded indexOf would read on through the (possibly large) body
    let amp = nextByte(b, AMP, s, e);
    if (amp < 0) return utf8(b, s, e);
    let out = '';
    let from = s;
    while (amp >= 0) {
      out += utf8(b, from, amp);
      const semi = nextByte(b, 0x3b, amp, Math.min(e, amp + 12));
      if (semi < 0) this.fail("an '&' that starts no entity reference");
      const ref = latin1(b, amp + 1, semi);
      out += entity(ref) ?? this.fail(`unknown entity '&${ref};'`);
      from = semi + 1;
      amp = nextByte(b, AMP, from, e);
    }
    return out + utf8(b, from, e);
  }

  /** At '<' of a start tag: reads it whole. */
  private startTag(): RawTag {
    const b = this.b;
    const start = this.i;
    this.i++;
    const qname = this.name();
    const attrs: RawTag['attrs'] = [];
    for (;;) {
      const spaced = this.ws();
      if (this.i >= b.length) this.fail(`unterminated start tag <${qname}>`);
      const c = b[this.i];
      if (c === GT) {
        this.i++;
        return { qname, attrs, selfClosing: false, start };
      }
      if (c === SLASH) {
        if (b[this.i + 1] !== GT) this.fail(`bad '/' in <${qname}>`);
        this.i += 2;
        return { qname, attrs, selfClosing: true, start };
      }
      if (!spaced) this.fail(`attributes of <${qname}> must be separated by white space`);
      const an = this.name();
      this.ws();
      if (b[this.i] !== EQ) this.fail(`attribute '${an}' of <${qname}> has no value`);
      this.i++;
      this.ws();
      const q = b[this.i];
      if (q !== QUOT && q !== APOS) this.fail(`attribute '${an}' of <${qname}> is not quoted`);
      const vs = this.i + 1;
      const ve = b.indexOf(q, vs);
      if (ve < 0) this.fail(`unterminated value of attribute '${an}'`);
      if (nextByte(b, LT, vs, ve) >= 0) this.fail(`'<' in the value of attribute '${an}'`);
      this.i = ve + 1;
      for (const a of attrs) if (a.qname === an) this.fail(`attribute '${an}' appears twice on <${qname}>`);
      const v = this.decode(vs, ve);
      attrs.push({ qname: an, value: /[\t\n\r]/.test(v) ? v.replace(/[\t\n\r]/g, ' ') : v });
    }
  }

  private lookup(prefix: string): string | undefined {
    if (prefix === 'xml') return XML_NS;
    for (let d = this.scope.length - 1; d >= 0; d--) {
      const m = this.scope[d];
      if (m && m.has(prefix)) return m.get(prefix);
    }
    return prefix === '' ? '' : undefined;
  }

  /** Pushes the element's namespace declarations; returns its namespace and local name. */
  private open(tag: RawTag): { ns: string; local: string } {
    if (this.scope.length >= this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth} elements`);
    let decls: Map<string, string> | undefined;
    for (const a of tag.attrs) {
      if (a.qname === 'xmlns') (decls ??= new Map()).set('', a.value);
      else if (a.qname.startsWith('xmlns:')) {
        if (a.value === '') this.fail(`prefix '${a.qname.slice(6)}' is undeclared with an empty namespace`);
        (decls ??= new Map()).set(a.qname.slice(6), a.value);
      }
    }
    this.scope.push(decls);
    const colon = tag.qname.indexOf(':');
    const prefix = colon < 0 ? '' : tag.qname.slice(0, colon);
    const ns = this.lookup(prefix);
    if (ns === undefined) this.fail(`namespace prefix '${prefix}' of <${tag.qname}> is not declared`);
    return { ns, local: colon < 0 ? tag.qname : tag.qname.slice(colon + 1) };
  }

  private attributes(tag: RawTag): ScannedAttr[] {
    const out: ScannedAttr[] = [];
    for (const a of tag.attrs) {
      if (a.qname === 'xmlns' || a.qname.startsWith('xmlns:')) continue;
      const colon = a.qname.indexOf(':');
      if (colon < 0) {
        out.push({ ns: '', local: a.qname, value: a.value });
        continue;
      }
      const ns = this.lookup(a.qname.slice(0, colon));
      if (ns === undefined) this.fail(`namespace prefix of attribute '${a.qname}' is not declared`);
      out.push({ ns, local: a.qname.slice(colon + 1), value: a.value });
    }
    return out;
  }

  /**
   * The content of an open element up to and including its end tag. With `into`, child elements and text
   * are recorded (for the Security header); without, they are only checked (other header blocks).
   */
  private content(qname: string, into: ScannedElement | undefined, collectSecurity = false): void {
    const b = this.b;
    let text = '';
    for (;;) {
      const lt = b.indexOf(LT, this.i);
      if (lt < 0) this.fail(`<${qname}> is not closed`);
      if (lt > this.i) {
        if (into) text += this.decode(this.i, lt);
        else this.decode(this.i, lt); // entities must still be valid
      }
      this.i = lt;
      const c = b[lt + 1];
      if (c === SLASH) {
        this.i = lt + 2;
        const end = this.name();
        this.ws();
        if (end !== qname) this.fail(`</${end}> closes <${qname}>`);
        if (b[this.i] !== GT) this.fail(`unterminated end tag </${end}>`);
        this.i++;
        this.scope.pop();
        if (into) {
          into.text = text;
          into.end = this.i;
        }
        return;
      }
      if (c === BANG) {
        if (this.startsWith('<!--')) this.comment();
        else if (this.startsWith('<![CDATA[')) {
          const s = this.i + 9;
          this.skipTo(']]>', 'CDATA section');
          if (into) text += utf8(b, s, this.i - 3);
        } else this.fail(this.startsWith('<!DOCTYPE') ? 'DOCTYPE is not allowed in a message' : 'unknown markup declaration');
        continue;
      }
      if (c === QMARK) {
        this.pi();
        continue;
      }
      const tag = this.startTag();
      const { ns, local } = this.open(tag);
      const build = into !== undefined || (collectSecurity && local === 'Security');
      const child: ScannedElement | undefined = build
        ? { ns, local, qname: tag.qname, attrs: this.attributes(tag), children: [], text: '', start: tag.start, end: this.i }
        : undefined;
      if (!build) this.attributes(tag); // prefixes of attributes must be declared
      if (tag.selfClosing) this.scope.pop();
      else this.content(tag.qname, child);
      if (child) {
        if (into) into.children.push(child);
        else this.found.push(child);
      }
    }
  }

  readonly found: ScannedElement[] = [];

  scan(): ScanResult {
    const b = this.b;
    if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) this.i = 3;
    if (this.startsWith('<?xml') && (isWs(b[this.i + 5] ?? 0) || b[this.i + 5] === QMARK)) this.skipTo('?>', 'XML declaration');
    this.skipMisc(true);
    if (this.i >= b.length || b[this.i] !== LT) return { kind: 'not-soap' };
    const rootTag = this.startTag();
    const root = this.open(rootTag);
    if (root.local !== 'Envelope' || (root.ns !== SOAP11_NS && root.ns !== SOAP12_NS)) return { kind: 'not-soap' };
    if (rootTag.selfClosing) this.fail('the SOAP Envelope has no Body');
    const env = root.ns;
    this.skipMisc(false);
    let tag = this.startTag();
    let el = this.open(tag);
    if (el.ns === env && el.local === 'Header') {
      this.attributes(tag);
      // only the blocks named Security are built; the others are checked and skipped
      if (!tag.selfClosing) this.content(tag.qname, undefined, true);
      else this.scope.pop();
      this.skipMisc(false);
      tag = this.startTag();
      el = this.open(tag);
    }
    if (el.ns !== env || el.local !== 'Body') this.fail(`<${tag.qname}> where the SOAP Body was expected`);
    return { kind: 'soap', version: env === SOAP12_NS ? '1.2' : '1.1', securityHeaders: this.found };
  }
}

function nextByte(b: Buffer, byte: number, from: number, to: number): number {
  for (let k = from; k < to; k++) if (b[k] === byte) return k;
  return -1;
}

function entity(ref: string): string | undefined {
  switch (ref) {
    case 'lt':
      return '<';
    case 'gt':
      return '>';
    case 'amp':
      return '&';
    case 'quot':
      return '"';
    case 'apos':
      return "'";
  }
  let cp: number;
  if (/^#[0-9]{1,7}$/.test(ref)) cp = Number(ref.slice(1));
  else if (/^#x[0-9a-fA-F]{1,6}$/.test(ref)) cp = parseInt(ref.slice(2), 16);
  else return undefined;
  const ok = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
  return ok ? String.fromCodePoint(cp) : undefined;
}

/** Scans `raw` (a whole request body) up to the SOAP Body start tag. */
export function scanEnvelope(raw: Buffer, maxDepth: number): ScanResult {
  const s = new Scanner(raw, maxDepth);
  try {
    return s.scan();
  } catch (err) {
    if (err instanceof Malformed) return { kind: 'malformed', reason: err.message };
    throw err;
  }
}
