/**
 * Source trees for SaxonJS, built the way its own parser builds them (elements and attributes by namespace
 * and qualified name, namespace declarations as xmlns attributes, adjacent text and CDATA as one text node,
 * whitespace kept), from the message bytes (no DOM of the message) or from a node of the message DOM.
 *
 * The node becomes the root of a document of its own, as Synapse serializes the source node for the
 * transformer: a namespace its ancestors declared is declared on the element that uses it (where xmldom's
 * serializer puts it), so the stylesheet sees the same namespace nodes whichever way the tree was built.
 */
import { latin1 } from '../../xml/bytes.js';
import { SOAP11_NS, SOAP12_NS } from '../../xml/dom.js';
import { KnownUris, NsId, XMLNS_NS } from '../../xml/namespace-scope.js';
import { poxContentStart } from '../../xml/pox-start.js';
import { Token, XmlTokenizer } from '../../xml/tokenizer.js';
import { newSaxonDocument, type SaxonDocument, type SaxonNode } from './saxon.js';

/** Prefix -> namespace declared so far on the path from the tree's root (copied when an element adds one). */
type Scope = Map<string, string>;
const ROOT_SCOPE: Scope = new Map([['', '']]);

class TreeBuilder {
  readonly doc: SaxonDocument = newSaxonDocument();
  private readonly stack: SaxonNode[] = [];
  private readonly scopes: Scope[] = [];
  private scope: Scope = ROOT_SCOPE;
  private text = '';

  /** Opens an element; `attrs` are [qualified name, namespace, value] with the xmlns declarations among them. */
  start(ns: string, qname: string, attrs: readonly (readonly [string, string, string])[]): void {
    this.flushText();
    const d = this.doc;
    const el = d.createElementNS(ns, qname);
    const parentScope = this.scope;
    let scope = parentScope;
    const declare = (prefix: string, uri: string): void => {
      if (scope === parentScope) scope = new Map(parentScope);
      scope.set(prefix, uri);
    };
    for (const [name, ans, value] of attrs) if (ans === XMLNS_NS) declare(name === 'xmlns' ? '' : name.slice(6), value);
    for (const [name, ans, value] of attrs) el.setAttributeNode(this.attr(name, ans, value));
    // namespaces the element or its attributes use that no element of the tree declares
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    if ((scope.get(prefix) ?? (prefix === '' ? '' : undefined)) !== ns) {
      el.setAttributeNode(this.attr(prefix === '' ? 'xmlns' : `xmlns:${prefix}`, XMLNS_NS, ns));
      declare(prefix, ns);
    }
    for (const [name, ans] of attrs) {
      const c = name.indexOf(':');
      if (c < 0 || ans === XMLNS_NS || ans === '') continue;
      const p = name.slice(0, c);
      if (p !== 'xml' && scope.get(p) !== ans) {
        el.setAttributeNode(this.attr(`xmlns:${p}`, XMLNS_NS, ans));
        declare(p, ans);
      }
    }
    (this.stack.length ? this.stack[this.stack.length - 1]! : d).appendChild(el);
    this.stack.push(el);
    this.scopes.push(parentScope);
    this.scope = scope;
  }

  private attr(name: string, ns: string, value: string): ReturnType<SaxonDocument['createAttributeNS']> {
    const a = this.doc.createAttributeNS(ns, name);
    // as SaxonJS's parser: an id is normalized on the way in
    a.value = a.nodeValue = name === 'id' || name === 'xml:id' ? value.replace(/\s+/g, ' ').trim() : value;
    return a;
  }

  end(): void {
    this.flushText();
    this.stack.pop();
    this.scope = this.scopes.pop()!;
  }

  characters(s: string): void {
    this.text += s;
  }

  comment(s: string): void {
    this.flushText();
    this.parent().appendChild(this.doc.createComment(s));
  }

  pi(target: string, data: string): void {
    this.flushText();
    this.parent().appendChild(this.doc.createProcessingInstruction(target, data));
  }

  private parent(): SaxonNode {
    return this.stack[this.stack.length - 1]!;
  }

  private flushText(): void {
    if (this.text === '') return;
    this.parent().appendChild(this.doc.createTextNode(this.text));
    this.text = '';
  }
}

/** A copy of a node of the message DOM (an element) as the root of a SaxonJS document. */
export function saxonTreeOf(el: Element): SaxonDocument {
  const b = new TreeBuilder();
  const walk = (e: Element): void => {
    const attrs: [string, string, string][] = [];
    const at = e.attributes;
    for (let i = 0; i < at.length; i++) {
      const a = at[i]!;
      const isDecl = a.name === 'xmlns' || a.name.startsWith('xmlns:');
      attrs.push([a.name, isDecl ? XMLNS_NS : (a.namespaceURI ?? ''), a.value]);
    }
    b.start(e.namespaceURI ?? '', e.tagName, attrs);
    for (let n = e.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 1) walk(n as Element);
      else if (n.nodeType === 3 || n.nodeType === 4) b.characters(n.nodeValue ?? '');
      else if (n.nodeType === 8) b.comment(n.nodeValue ?? '');
      else if (n.nodeType === 7) b.pi((n as ProcessingInstruction).target, n.nodeValue ?? '');
    }
    b.end();
  };
  walk(el);
  return b.doc;
}

/** The payload element found in the message bytes, as a SaxonJS document, and where it stands in the bytes. */
export interface PayloadTree {
  readonly doc: SaxonDocument;
  /** [start, end) of the payload element in the bytes. */
  readonly start: number;
  readonly end: number;
}

/** xmldom's reading of references and ASCII names, as the other byte readers (the DOM decides the rest). */
const TOKENIZER = new XmlTokenizer({ xmldomReferences: true, asciiNames: true });
const KNOWN = new KnownUris([SOAP11_NS, SOAP12_NS]);
const SOAP11 = KNOWN.idOf(SOAP11_NS);
const SOAP12 = KNOWN.idOf(SOAP12_NS);

/**
 * The payload element of UTF-8 message bytes (the first element child of the SOAP Body; for POX, the root
 * element) as a SaxonJS document. Undefined when the bytes reader cannot be sure of giving what the DOM
 * route gives (no Envelope or Body, a default namespace declared around the payload, anything the tokenizer
 * refuses): the DOM route then decides, with its own errors.
 */
export function payloadTree(raw: Buffer, pox: boolean, maxDepth: number): PayloadTree | undefined {
  const tok = TOKENIZER;
  try {
    if (pox) {
      const start = poxContentStart(raw);
      if (start < 0) return undefined;
      tok.begin(raw, start, KNOWN, maxDepth, false);
    } else {
      tok.begin(raw, raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0, KNOWN, maxDepth, true);
    }
    const payloadDepth = pox ? 1 : 3;
    for (;;) {
      const t = tok.next(true);
      if (t === Token.EOF) return undefined;
      if (t === Token.END && tok.depth < payloadDepth) return undefined; // the Body (or Envelope) ended first
      if (t !== Token.START) continue;
      const d = tok.depth;
      if (d === payloadDepth) return build(tok, raw);
      if (pox) return undefined;
      // the Envelope, then its Body: no default namespace may be in scope for the payload (its no-namespace
      // elements would change namespace when the result is written back in place)
      if (d === 1 && (tok.ns !== SOAP11 && tok.ns !== SOAP12 || !named(tok, raw, 'Envelope'))) return undefined;
      if (d === 2 && !named(tok, raw, 'Body')) {
        if (tok.selfClosing) continue;
        skipElement(tok);
        continue;
      }
      if (tok.selfClosing || declaresDefault(tok)) return undefined;
    }
  } catch {
    return undefined;
  } finally {
    tok.finish();
  }
}

function named(tok: XmlTokenizer, raw: Buffer, name: string): boolean {
  const s = tok.colon < 0 ? tok.nameStart : tok.colon + 1;
  return tok.nameEnd - s === name.length && latin1(raw, s, tok.nameEnd) === name;
}

function declaresDefault(tok: XmlTokenizer): boolean {
  for (let a = 0; a < tok.attrCount; a++) {
    if (tok.attrNs[a] === NsId.XMLNS && tok.attrNameEnd[a]! - tok.attrNameStart[a]! === 5 && tok.attrValueEnd[a]! > tok.attrValueStart[a]!) return true;
  }
  return false;
}

function skipElement(tok: XmlTokenizer): void {
  for (let open = 1; open > 0; ) {
    const t = tok.next(true);
    if (t === Token.START && !tok.selfClosing) open++;
    else if (t === Token.END) open--;
    else if (t === Token.EOF) throw new Error('unexpected end');
  }
}

/** Builds the element the tokenizer stands on (a START) and everything in it. */
function build(tok: XmlTokenizer, raw: Buffer): PayloadTree {
  const b = new TreeBuilder();
  const start = tok.start;
  let open = 0;
  for (let t: number = Token.START; ; t = tok.next()) {
    if (t === Token.START) {
      const attrs: [string, string, string][] = [];
      for (let a = 0, n = tok.attrCount; a < n; a++) {
        const id = tok.attrNs[a]!;
        attrs.push([tok.attrQName(a), id === NsId.NONE ? '' : tok.uri(id), tok.attrValue(a)]);
      }
      b.start(tok.ns === NsId.NONE ? '' : tok.uri(tok.ns), tok.qname(), attrs);
      if (tok.selfClosing) b.end();
      else open++;
    } else if (t === Token.END) {
      b.end();
      open--;
    } else if (t === Token.TEXT || t === Token.CDATA) {
      b.characters(tok.text());
    } else if (t === Token.COMMENT) {
      b.comment(raw.toString('utf8', tok.textStart, tok.textEnd));
    } else if (t === Token.PI) {
      b.pi(tok.piTarget(), raw.toString('utf8', tok.textStart, tok.textEnd).replace(/^[ \t\r\n]+/, ''));
    } else if (t === Token.EOF) {
      throw new Error('unexpected end');
    }
    if (open === 0) return { doc: b.doc, start, end: tok.end };
  }
}
