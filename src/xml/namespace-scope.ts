/**
 * Namespace declarations in scope while the byte tokenizer reads a document, and namespace names as small
 * integers, so readers compare ids instead of strings.
 *
 * Every lookup costs the same however many declarations are in scope: the few of an ordinary message are
 * compared byte by byte, and past SMALL_SCOPE a map from prefix to its innermost binding takes over (a
 * start tag may declare a hundred thousand prefixes).
 */
import { latin1 } from './bytes.js';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Namespace ids with a fixed meaning (a const enum, like the byte constants: see Ch in bytes.ts). */
export const enum NsId {
  /** No namespace (an unprefixed attribute, or an element out of any default namespace). */
  NONE = -1,
  /** Lookup result of a prefix that is not declared. */
  UNBOUND = -2,
  XML = 0,
  /** The namespace of namespace declarations (xmlns, xmlns:p), as the DOM puts them. */
  XMLNS = 1,
}
/** Ids of namespaces a reader did not name start here, per document, so that they still compare exactly. */
const DOC_BASE = 1 << 20;

const SMALL_SCOPE = 16;
const PREFIX_XML = Buffer.from('xml');

/** The namespaces a reader compares by id: XML and XMLNS (ids 0 and 1), then its own in order (2, 3, ...). */
export class KnownUris {
  readonly uris: readonly string[];
  readonly bytes: readonly Buffer[];

  constructor(own: readonly string[]) {
    const uris = [XML_NS, XMLNS_NS];
    for (const u of own) if (!uris.includes(u)) uris.push(u);
    this.uris = uris;
    this.bytes = uris.map((u) => Buffer.from(u, 'utf8'));
  }

  idOf(uri: string): number {
    return this.uris.indexOf(uri);
  }
}

export class NamespaceScope {
  private known = new KnownUris([]);
  private readonly docUris: string[] = [];
  /** Past SMALL_SCOPE document namespaces: name -> id (a few are found faster by comparing). */
  private docIds: Map<string, number> | undefined;

  // bindings, innermost last: prefix bytes buf[s, s + len) -> namespace id
  private readonly bBuf: Buffer[] = [];
  private readonly bS: number[] = [];
  private readonly bL: number[] = [];
  private readonly bNs: number[] = [];
  private top = 0;
  // past SMALL_SCOPE: prefix -> its innermost binding, and each binding's key and the binding it shadows
  private byPrefix: Map<string, number> | undefined;
  private readonly bKey: string[] = [];
  private readonly bShadowed: number[] = [];

  /** Starts a document: only `xml` is bound. */
  reset(known: KnownUris): void {
    this.known = known;
    if (this.docUris.length > 0) this.forgetDocUris();
    this.top = 0;
    this.byPrefix = undefined;
    this.bind(PREFIX_XML, 0, 3, NsId.XML);
  }

  /** Forgets the document's bytes and any large tables. */
  release(): void {
    this.byPrefix = undefined;
    if (this.docUris.length > 0) this.forgetDocUris();
    if (this.bS.length > 4096) {
      for (const a of [this.bBuf, this.bS, this.bL, this.bNs, this.bKey, this.bShadowed]) a.length = 0;
    } else this.bBuf.fill(PREFIX_XML);
  }

  private forgetDocUris(): void {
    this.docIds = undefined;
    this.docUris.length = 0;
  }

  /** Marks the bindings in scope now; popTo(mark) restores them. */
  get mark(): number {
    return this.top;
  }

  bind(buf: Buffer, s: number, len: number, ns: number): void {
    const b = this.top++;
    this.bBuf[b] = buf;
    this.bS[b] = s;
    this.bL[b] = len;
    this.bNs[b] = ns;
    if (this.byPrefix) this.index(b);
    else if (this.top > SMALL_SCOPE) {
      this.byPrefix = new Map();
      for (let k = 0; k <= b; k++) this.index(k);
    }
  }

  private index(b: number): void {
    const map = this.byPrefix!;
    const key = latin1(this.bBuf[b]!, this.bS[b]!, this.bS[b]! + this.bL[b]!);
    this.bKey[b] = key;
    this.bShadowed[b] = map.get(key) ?? -1;
    map.set(key, b);
  }

  popTo(mark: number): void {
    if (mark === this.top) return;
    const map = this.byPrefix;
    if (map) {
      for (let b = this.top - 1; b >= mark; b--) {
        const shadowed = this.bShadowed[b]!;
        if (shadowed < 0) map.delete(this.bKey[b]!);
        else map.set(this.bKey[b]!, shadowed);
      }
    }
    this.top = mark;
  }

  /** Namespace id bound to the prefix buf[s, s + len), or NsId.UNBOUND. */
  lookup(buf: Buffer, s: number, len: number): number {
    const map = this.byPrefix;
    if (map) {
      const b = map.get(latin1(buf, s, s + len));
      return b === undefined ? NsId.UNBOUND : this.bNs[b]!;
    }
    for (let b = this.top - 1; b >= 0; b--) {
      if (this.bL[b] !== len) continue;
      const bb = this.bBuf[b]!;
      const bs = this.bS[b]!;
      let k = 0;
      while (k < len && buf[s + k] === bb[bs + k]) k++;
      if (k === len) return this.bNs[b]!;
    }
    return NsId.UNBOUND;
  }

  /** Id of the namespace name written as plain ASCII in buf[s, e) (no references, no white space). */
  idOfBytes(buf: Buffer, s: number, e: number): number {
    const L = e - s;
    const kb = this.known.bytes;
    for (let id = 0; id < kb.length; id++) {
      const u = kb[id]!;
      if (u.length !== L) continue;
      let k = 0;
      while (k < L && buf[s + k] === u[k]) k++;
      if (k === L) return id;
    }
    return this.docId(latin1(buf, s, e));
  }

  /** Id of a namespace name ('' is NsId.NONE). */
  idOf(uri: string): number {
    if (uri === '') return NsId.NONE;
    const id = this.known.idOf(uri);
    return id < 0 ? this.docId(uri) : id;
  }

  private docId(uri: string): number {
    const uris = this.docUris;
    const map = this.docIds;
    if (map) {
      let id = map.get(uri);
      if (id === undefined) map.set(uri, (id = DOC_BASE + uris.push(uri) - 1));
      return id;
    }
    for (let k = 0; k < uris.length; k++) if (uris[k] === uri) return DOC_BASE + k;
    const id = DOC_BASE + uris.push(uri) - 1;
    if (uris.length > SMALL_SCOPE) this.docIds = new Map(uris.map((u, k) => [u, DOC_BASE + k]));
    return id;
  }

  /** The namespace name of an id ('' for NsId.NONE). */
  uri(id: number): string {
    if (id === NsId.NONE) return '';
    return id >= DOC_BASE ? this.docUris[id - DOC_BASE]! : this.known.uris[id]!;
  }
}
