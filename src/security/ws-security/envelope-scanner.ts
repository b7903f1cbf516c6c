/**
 * One forward pass over the raw bytes of a SOAP request, up to the start tag of soap:Body: the envelope's
 * version, and the header blocks named Security as small trees with their byte ranges, so the verified
 * header can be cut out of the bytes and the body passes through untouched and unparsed. Building the DOM
 * of a whole message costs hundreds of microseconds; this costs a few.
 *
 * Strict where it reads: the shared XML tokenizer (src/xml/) checks the Envelope start tag and the whole
 * Header for well-formedness (matching tags, quoted and unique attributes, declared prefixes, the five
 * predefined entities and character references, no DOCTYPE), and the element after the Header must be
 * soap:Body. Whatever it cannot read is `malformed`, never a guess; the caller answers with a fault. Bytes
 * after the Body start tag are left to the backend, as a pass-through proxy leaves them.
 */
import { MiError } from '../../errors.js';
import { SOAP11_NS, SOAP12_NS } from '../../xml/dom.js';
import { KnownUris, NsId } from '../../xml/namespace-scope.js';
import { Token, XmlTokenizer } from '../../xml/tokenizer.js';

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

/** The SOAP structure is wrong (the XML itself is checked by the tokenizer). */
class Malformed extends Error {}

const KNOWN = new KnownUris([SOAP11_NS, SOAP12_NS]);
const ID_SOAP11 = KNOWN.idOf(SOAP11_NS);
const ID_SOAP12 = KNOWN.idOf(SOAP12_NS);

/** Names may be any UTF-8; an '&' must start a reference. Scanning is synchronous: one tokenizer serves all. */
const TOKENIZER = new XmlTokenizer({ xmldomReferences: false, asciiNames: false });

const NOT_SOAP: ScanResult = { kind: 'not-soap' };

class Scanner {
  readonly found: ScannedElement[] = [];

  constructor(private readonly tok: XmlTokenizer) {}

  scan(): ScanResult {
    const tok = this.tok;
    // the prolog: white space, comments and PIs; text (JSON, plain text) means this is no SOAP envelope
    let t: Token;
    for (;;) {
      t = tok.next();
      if (t === Token.TEXT) {
        if (!tok.isBlank()) return NOT_SOAP;
      } else if (t !== Token.COMMENT && t !== Token.PI) break;
    }
    if (t === Token.EOF) return NOT_SOAP;
    if (t !== Token.START) throw new Malformed('markup where the root element was expected');
    if (!this.isSoap(tok.ns) || tok.localName() !== 'Envelope') return NOT_SOAP;
    if (tok.selfClosing) throw new Malformed('the SOAP Envelope has no Body');
    const env = tok.ns;
    this.nextElement();
    if (tok.ns === env && tok.localName() === 'Header') {
      if (!tok.selfClosing) this.header();
      this.nextElement();
    }
    if (tok.ns !== env || tok.localName() !== 'Body') throw new Malformed(`<${tok.qname()}> where the SOAP Body was expected`);
    return { kind: 'soap', version: env === ID_SOAP12 ? '1.2' : '1.1', securityHeaders: this.found };
  }

  private isSoap(ns: number): boolean {
    return ns === ID_SOAP11 || ns === ID_SOAP12;
  }

  /** Reads on to the next child element start tag of the Envelope (white space, comments and PIs between). */
  private nextElement(): void {
    const tok = this.tok;
    for (;;) {
      const t = tok.next();
      if (t === Token.START) return;
      if (t === Token.TEXT) {
        if (!tok.isBlank()) throw new Malformed('text where an element was expected');
      } else if (t === Token.END) throw new Malformed('the SOAP Envelope has no Body');
      else if (t === Token.CDATA) throw new Malformed('text where an element was expected');
      else if (t === Token.EOF) throw new Malformed('the SOAP Envelope has no Body'); // not reached: the tokenizer reports it unclosed
    }
  }

  /**
   * The content of the Header, up to and including its end tag: the blocks named Security are built as
   * trees, the others are only read (the tokenizer checks them).
   */
  private header(): void {
    const tok = this.tok;
    const headerDepth = tok.depth;
    // the element being built at each depth below the Header (undefined: not built)
    const building: (ScannedElement | undefined)[] = [];
    for (;;) {
      const t = tok.next();
      const d = tok.depth - headerDepth; // 1 for a header block
      if (t === Token.START) {
        const parent = d > 1 ? building[d - 1] : undefined;
        const el = parent !== undefined || (d === 1 && tok.localName() === 'Security') ? this.element() : undefined;
        if (el) {
          if (parent) parent.children.push(el);
          else this.found.push(el);
        }
        if (!tok.selfClosing) building[d] = el;
      } else if (t === Token.END) {
        if (d === 0) return; // </Header>
        const el = building[d];
        if (el) el.end = tok.end;
        building[d] = undefined;
      } else if (t === Token.TEXT || t === Token.CDATA) {
        const el = d > 0 ? building[d] : undefined;
        if (el) el.text += tok.text();
      }
    }
  }

  /** The element of the START token, with its attributes (namespace declarations left out). */
  private element(): ScannedElement {
    const tok = this.tok;
    const attrs: ScannedAttr[] = [];
    for (let a = 0; a < tok.attrCount; a++) {
      const ns = tok.attrNs[a]!;
      if (ns === NsId.XMLNS) continue;
      attrs.push({ ns: tok.uri(ns), local: tok.attrLocalName(a), value: tok.attrValue(a) });
    }
    return { ns: tok.uri(tok.ns), local: tok.localName(), qname: tok.qname(), attrs, children: [], text: '', start: tok.start, end: tok.end };
  }
}

/** Scans `raw` (a whole request body) up to the SOAP Body start tag. */
export function scanEnvelope(raw: Buffer, maxDepth: number): ScanResult {
  const tok = TOKENIZER;
  const bom = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
  tok.begin(raw, bom, KNOWN, maxDepth, true);
  try {
    return new Scanner(tok).scan();
  } catch (err) {
    if (err instanceof Malformed || err instanceof MiError) return { kind: 'malformed', reason: err.message };
    throw err;
  } finally {
    tok.finish();
  }
}
