/**
 * The message body, kept as raw bytes (or the unread request stream) until a content-aware step asks for a
 * view. Views are built once and cached: the SOAP envelope DOM (for XPath and XML mediators), the JSON value
 * (for json-eval and JSON payloads) and text. Whichever view was last written is the truth, and the bytes
 * leave unchanged when nothing touched them: the pass-through design of Synapse.
 */
import { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { Errors, MiError } from '../errors.js';
import { serializeXml, SOAP11_NS, SOAP12_NS, firstChildElement } from '../xml/dom.js';
import { checkXmlText } from '../xml/limits.js';
import { scanJsonText } from '../json/limits.js';
import { cloneJson, parseJson, stringifyJson } from '../json/json-number.js';
import { jsonToXml, xmlToJsonText } from './json-xml.js';
import { xmlBytesToJsonText } from './xml-bytes-to-json.js';
import type { SoapVersion } from './soap.js';
import { asciiView, charsetParam, decodeBytes, readsAsUtf8, xmlEncoding } from './charset.js';
import { copyDocument, copyNode } from '../xml/copy.js';
import { documentFromBytes, poxEnvelopeFromBytes } from '../xml/dom-from-bytes.js';
import { withDefaults, type PayloadLimits } from './payload-limits.js';
import { childNamed, looksLikeEnvelope, parseMessageXml, parseXmlOrFault, stripDeclaration, textEnvelope, wrap } from './payload-envelope.js';

export type PayloadKind = 'soap11' | 'soap12' | 'xml' | 'json' | 'text' | 'binary' | 'empty';

export { TEXT_NS } from './payload-envelope.js';
import { TEXT_NS } from './payload-envelope.js';

/** Media type without parameters, lower case. */
export function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** Kind implied by a content type alone (text/xml may still turn out to be POX when sniffed). */
export function kindOfContentType(contentType: string | undefined): PayloadKind {
  const mt = mediaType(contentType);
  if (mt === '') return 'empty';
  if (mt === 'application/soap+xml') return 'soap12';
  if (mt === 'text/xml') return 'soap11';
  if (mt === 'application/xml' || mt.endsWith('+xml')) return 'xml';
  if (mt === 'application/json' || mt.endsWith('+json') || mt === 'text/json') return 'json';
  if (mt.startsWith('text/')) return 'text';
  if (mt === 'application/x-www-form-urlencoded') return 'text';
  return 'binary';
}

type Truth = 'raw' | 'doc' | 'json';

export class Payload {
  private stream: Readable | undefined;
  private raw: Buffer | undefined;
  private doc: Document | undefined;
  private jsonValue: unknown;
  private hasJson = false;
  private truth: Truth = 'raw';
  private sniffed: PayloadKind | undefined;
  private readonly limits: Required<PayloadLimits>;

  constructor(
    /** Content-Type of the bytes as received. */
    public contentType: string | undefined,
    body: Buffer | Readable | undefined,
    limits: PayloadLimits,
    /** Content-Length of an unread stream, when the sender declared it: a pass-through keeps it. */
    readonly streamLength?: number,
  ) {
    this.limits = withDefaults(limits);
    if (body === undefined) this.raw = EMPTY;
    else if (Buffer.isBuffer(body)) this.raw = body;
    else this.stream = body;
  }

  /** True once the body is in memory (content-aware steps may run synchronously). */
  get isReady(): boolean {
    return this.stream === undefined;
  }

  /** True when no view was written: the original bytes (or stream) are still the message. */
  get isUntouched(): boolean {
    return this.truth === 'raw';
  }

  /** The unread request stream, handed over for streaming pass-through. Afterwards the payload is empty. */
  takeStream(): Readable | undefined {
    const s = this.stream;
    this.stream = undefined;
    if (s) this.raw = EMPTY;
    return s;
  }

  /** Untouched bytes, if they are in memory. */
  get rawBytes(): Buffer | undefined {
    return this.truth === 'raw' ? this.raw : undefined;
  }

  /** Untouched bytes that are UTF-8 text (no other charset declared), for scanners that read UTF-8 bytes. */
  get utf8RawBytes(): Buffer | undefined {
    const raw = this.rawBytes;
    if (raw === undefined) return undefined;
    return readsAsUtf8(charsetParam(this.contentType) ?? xmlEncoding(raw)) ? raw : undefined;
  }

  /** Charset the raw bytes are read in: the HTTP parameter, else (XML) the byte order mark or declaration. */
  private rawCharset(raw: Buffer, xml: boolean): string | undefined {
    return charsetParam(this.contentType) ?? (xml ? xmlEncoding(raw) : undefined);
  }

  /** Reads the stream into memory, enforcing the body size limit. */
  load(): Promise<void> {
    const s = this.stream;
    if (!s) return Promise.resolve();
    // data/end listeners rather than for-await: no async iterator per request
    return new Promise<void>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const fail = (err: unknown): void => {
        cleanup();
        this.stream = undefined;
        reject(err);
      };
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size > this.limits.maxBodyBytes) {
          // no destroy(): the listener answers 413 and Node discards the rest of the body
          s.pause();
          fail(new MiError(Errors.BODY_TOO_LARGE, `request body is larger than ${this.limits.maxBodyBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = (): void => {
        cleanup();
        this.stream = undefined;
        this.raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        resolve();
      };
      const onClose = (): void => {
        if (!s.readableEnded) fail(new MiError(Errors.BAD_REQUEST, 'the connection closed before the whole body arrived'));
      };
      const cleanup = (): void => {
        s.off('data', onData);
        s.off('end', onEnd);
        s.off('error', fail);
        s.off('close', onClose);
      };
      s.on('data', onData);
      s.once('end', onEnd);
      s.once('error', fail);
      s.once('close', onClose);
    });
  }

  private requireRaw(): Buffer {
    if (this.stream) throw new Error('payload accessed before it was loaded (mediator not marked content-aware)');
    return this.raw ?? EMPTY;
  }

  /** Kind of the current message, sniffing text/xml for a SOAP envelope. */
  get kind(): PayloadKind {
    if (this.truth === 'json') return 'json';
    if (this.truth === 'doc') {
      const root = this.doc!.documentElement;
      if (root.namespaceURI === SOAP12_NS) return 'soap12';
      if (this.sniffed === 'soap11' || this.sniffed === 'soap12') return 'soap11';
      // bytes replaced before anyone read them: the content type says what the message was (text/xml: SOAP)
      return this.sniffed ?? (kindOfContentType(this.contentType) === 'soap11' ? 'soap11' : 'xml');
    }
    if (this.sniffed) return this.sniffed;
    let k = kindOfContentType(this.contentType);
    if (this.raw !== undefined && this.raw.length === 0 && !this.stream) k = 'empty';
    else if (k === 'soap11' && this.raw) k = looksLikeEnvelope(this.raw, this.rawCharset(this.raw, true)) ? 'soap11' : 'xml';
    if (this.raw || k === 'empty') this.sniffed = k;
    return k;
  }

  get soapVersion(): SoapVersion {
    if (this.truth === 'doc') return this.doc!.documentElement.namespaceURI === SOAP12_NS ? '1.2' : '1.1';
    return this.kind === 'soap12' ? '1.2' : '1.1';
  }

  text(): string {
    if (this.truth === 'raw') {
      const raw = this.requireRaw();
      const k = this.kind;
      return decodeBytes(raw, this.rawCharset(raw, k === 'soap11' || k === 'soap12' || k === 'xml'), false);
    }
    if (this.truth === 'json') return stringifyJson(this.jsonValue);
    const body = this.bodyElement();
    if (body && body.localName === 'text' && body.namespaceURI === TEXT_NS) return body.textContent ?? '';
    return body ? serializeXml(body) : '';
  }

  /** The SOAP envelope DOM; JSON, POX and text payloads are wrapped as Axis2 wraps them. */
  envelope(): Document {
    if (this.doc && this.truth !== 'json') return this.doc;
    if (this.doc && this.truth === 'json' && this.docFromJson) return this.doc;
    let doc: Document;
    const kind = this.kind;
    if (this.truth === 'json') {
      doc = this.jsonAsXml(this.jsonValue);
    } else {
      const raw = this.requireRaw();
      if (kind === 'soap11' || kind === 'soap12' || kind === 'xml') {
        const pox = kind === 'xml';
        const cs = this.rawCharset(raw, true);
        // the budgets first, on a one-byte view when the charset allows: a hostile body is refused without decoding it
        const view = asciiView(raw, cs);
        if (view !== undefined) this.checkXml(pox ? stripDeclaration(view) : view);
        // UTF-8 bytes are built into a DOM directly (several times faster); xmldom decides what that cannot
        const fromBytes = view === undefined || !readsAsUtf8(cs) ? undefined : pox ? poxEnvelopeFromBytes(raw, this.limits.maxXmlDepth) : documentFromBytes(raw, this.limits.maxXmlDepth);
        if (fromBytes) doc = fromBytes;
        else {
          const text = decodeBytes(raw, cs, true);
          const t = pox ? stripDeclaration(text) : text;
          if (view === undefined) this.checkXml(t);
          doc = parseMessageXml(pox ? wrap('1.1', t) : t);
        }
      } else if (kind === 'json') {
        doc = this.jsonAsXml(this.json());
      } else if (kind === 'empty') {
        doc = parseMessageXml(wrap('1.1', ''));
      } else {
        doc = textEnvelope('1.1', decodeBytes(raw, this.rawCharset(raw, false), false));
      }
    }
    const root = doc.documentElement;
    if (root.localName !== 'Envelope' || (root.namespaceURI !== SOAP11_NS && root.namespaceURI !== SOAP12_NS)) {
      throw new MiError(Errors.PAYLOAD_PARSE, 'a SOAP message must have a soap:Envelope root element');
    }
    this.doc = doc;
    this.docFromJson = this.truth === 'json';
    return doc;
  }
  private docFromJson = false;

  /** Throws (400/413) when the XML text is over one of the budgets. */
  private checkXml(text: string): void {
    const l = this.limits;
    checkXmlText(text, { maxDepth: l.maxXmlDepth, maxElements: l.maxXmlElements, maxAttributesPerElement: l.maxXmlAttributesPerElement, maxNodes: l.maxXmlNodes });
  }

  /** Micro Integrator's XML form of a JSON value, within the same budgets as an XML message. */
  private jsonAsXml(value: unknown): Document {
    const t = jsonToXml(value);
    try {
      this.checkXml(t);
      return parseMessageXml(wrap('1.1', t));
    } catch (err) {
      if (err instanceof MiError) throw new MiError(err.spec, `the JSON message as XML: ${err.message}`);
      throw err;
    }
  }

  /** soap:Body element. */
  body(): Element {
    const env = this.envelope().documentElement;
    const b = childNamed(env, 'Body');
    if (!b) throw new MiError(Errors.PAYLOAD_PARSE, 'the SOAP envelope has no Body');
    return b;
  }

  /** soap:Header element, if any. */
  header(): Element | undefined {
    return childNamed(this.envelope().documentElement, 'Header');
  }

  /** First element child of soap:Body (the payload element). */
  bodyElement(): Element | undefined {
    return firstChildElement(this.body());
  }

  /** The JSON value: parsed JSON for JSON messages, the JSON mapping of the payload element otherwise. */
  json(): unknown {
    if (this.hasJson) return this.jsonValue;
    if (this.truth === 'raw' && this.kind === 'json') {
      const raw = this.requireRaw();
      const cs = charsetParam(this.contentType);
      // depth and size are bounded before JSON.parse allocates anything (and before recursive walks overflow),
      // on a one-byte view when the charset allows, so a hostile body is refused without decoding it; the
      // same pass says whether a number needs the lossless reader (its text kept, as Micro Integrator keeps it)
      const budget = { maxDepth: this.limits.maxJsonDepth, maxValues: this.limits.maxJsonValues };
      const view = raw.length ? asciiView(raw, cs) : undefined;
      let inexact = view !== undefined ? scanJsonText(view, budget).inexactNumbers : false;
      const text = raw.length ? decodeBytes(raw, cs, true) : '';
      if (view === undefined && text !== '') inexact = scanJsonText(text, budget).inexactNumbers;
      try {
        this.jsonValue = text !== '' ? parseJson(text, inexact) : {};
      } catch (err) {
        throw new MiError(Errors.PAYLOAD_PARSE, `message is not valid JSON: ${(err as Error).message}`);
      }
      this.hasJson = true;
      return this.jsonValue;
    }
    if (this.truth === 'raw' && this.kind === 'empty') return undefined;
    // the JSON text Micro Integrator would write for the payload element, read back (from the bytes when untouched)
    const text = this.xmlAsJsonText();
    return text === '' ? undefined : parseJson(text);
  }

  /**
   * The JSON text Micro Integrator writes for the payload element ('' when there is none). Untouched UTF-8
   * XML is converted from its bytes, within the same budgets, and no DOM is built for it.
   */
  xmlAsJsonText(): string {
    const bytes = this.doc === undefined ? this.untouchedXml() : undefined;
    if (bytes) {
      const text = xmlBytesToJsonText(bytes.raw, bytes.pox, bytes.maxDepth);
      if (text !== undefined) return text;
    }
    const el = this.bodyElement();
    return el ? xmlToJsonText(el) : '';
  }

  /**
   * The untouched body as UTF-8 XML bytes (a SOAP envelope, or POX), within the XML budgets, for readers that
   * work on the bytes and build no DOM; undefined when there are none (another charset, a view was written).
   * Depth and DOCTYPE are the tokenizer's to refuse (`maxDepth`); a reader that cannot be sure of the bytes
   * leaves them to the DOM route, which reports the problem.
   */
  untouchedXml(): { raw: Buffer; pox: boolean; maxDepth: number } | undefined {
    const raw = this.utf8RawBytes;
    const k = raw !== undefined ? this.kind : undefined;
    if (raw === undefined || (k !== 'soap11' && k !== 'soap12' && k !== 'xml')) return undefined;
    // the budgets' pre-scan only where the bytes could exceed one: a node costs at least half a byte, an
    // element three, an attribute four
    const l = this.limits;
    const n = raw.length;
    if (2 * n > l.maxXmlNodes || n > 3 * l.maxXmlElements || n > 4 * l.maxXmlAttributesPerElement) {
      const view = asciiView(raw, undefined)!;
      this.checkXml(k === 'xml' ? stripDeclaration(view) : view);
    }
    return { raw, pox: k === 'xml', maxDepth: l.maxXmlDepth };
  }

  /** Marks the envelope DOM as the truth after a mediator changed it in place. */
  markXmlChanged(): void {
    this.envelope();
    this.truth = 'doc';
    this.hasJson = false;
    this.docFromJson = false;
  }

  /**
   * A replaced, unread stream is let go: a backend response is destroyed so its pooled connection is freed
   * at once; the client's request is drained, since destroying it would reset the client's connection.
   */
  private dropStream(): void {
    const s = this.stream;
    if (!s) return;
    this.stream = undefined;
    if (s instanceof IncomingMessage) s.resume();
    else s.destroy();
  }

  setEnvelope(doc: Document): void {
    this.dropStream();
    this.doc = doc;
    this.truth = 'doc';
    this.hasJson = false;
    this.docFromJson = false;
    this.stream = undefined;
  }

  /** Replaces the payload element with XML text (one root element). */
  setBodyXml(xml: string): void {
    const v = this.truth === 'raw' || this.truth === 'doc' ? this.soapVersionSafe() : '1.1';
    const doc = parseXmlOrFault(wrap(v, xml));
    // keep existing SOAP headers
    const oldHeader = this.doc && this.truth === 'doc' ? childNamed(this.doc.documentElement, 'Header') : undefined;
    if (oldHeader) doc.documentElement.insertBefore(copyNode(doc, oldHeader), doc.documentElement.firstChild);
    this.setEnvelope(doc);
  }

  setJson(value: unknown): void {
    this.dropStream();
    this.jsonValue = value;
    this.hasJson = true;
    this.truth = 'json';
    this.doc = undefined;
    this.docFromJson = false;
    this.stream = undefined;
  }

  setText(text: string): void {
    // a text node, not escaped markup to parse: a large text with many '<' or '&' costs one node
    const v = this.truth === 'raw' || this.truth === 'doc' ? this.soapVersionSafe() : '1.1';
    const doc = textEnvelope(v, text);
    const oldHeader = this.doc && this.truth === 'doc' ? childNamed(this.doc.documentElement, 'Header') : undefined;
    if (oldHeader) doc.documentElement.insertBefore(copyNode(doc, oldHeader), doc.documentElement.firstChild);
    this.setEnvelope(doc);
  }

  setRaw(bytes: Buffer, contentType: string | undefined): void {
    this.dropStream();
    this.raw = bytes;
    this.contentType = contentType;
    this.truth = 'raw';
    this.doc = undefined;
    this.hasJson = false;
    this.sniffed = undefined;
    this.stream = undefined;
  }

  private soapVersionSafe(): SoapVersion {
    try {
      return this.soapVersion;
    } catch {
      return '1.1';
    }
  }

  /**
   * An independent copy for a split branch (iterate, clone, aggregate): untouched bytes are shared (a Buffer
   * is never written in place), a DOM or JSON view is deep-copied so one branch's change stays its own.
   * With `view`, the copy carries that envelope or JSON value instead (taken, not copied).
   */
  copy(view?: { envelope: Document } | { json: unknown }): Payload {
    if (this.stream) throw new Error('payload copied before it was loaded');
    const p = new Payload(this.contentType, this.raw ?? EMPTY, this.limits);
    p.sniffed = this.sniffed;
    if (view) {
      // a part of a split: the same kind of message (content type, SOAP or POX) with new content
      if ('envelope' in view) p.setEnvelope(view.envelope);
      else p.setJson(view.json);
      return p;
    }
    if (this.truth === 'doc') p.setEnvelope(copyDocument(this.doc!));
    else if (this.truth === 'json') p.setJson(cloneJson(this.jsonValue));
    else if (this.hasJson) {
      p.jsonValue = cloneJson(this.jsonValue);
      p.hasJson = true;
    }
    return p;
  }

  /** Whether the current truth is a JSON value (set by a JSON payloadFactory or received as JSON). */
  get isJson(): boolean {
    return this.truth === 'json' || (this.truth === 'raw' && this.kind === 'json');
  }
}

const EMPTY = Buffer.alloc(0);

