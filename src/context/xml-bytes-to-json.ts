/**
 * XML to JSON straight from the message bytes, for the most common conversion of all: an unread XML reply
 * (a SOAP backend) that leaves as JSON. One pass of the shared byte tokenizer drives the same StAXON stages
 * as the DOM walk (xml-to-json.ts), so no DOM is built for the message.
 *
 * It answers only where it is certain to give what the DOM route gives: UTF-8 bytes, ASCII names (the DOM
 * has its own Unicode name rules), a document the tokenizer accepts, a SOAP envelope with a Body. For
 * anything else it returns undefined and the DOM route decides, with its own errors and messages.
 */
import { isUtf8 } from 'node:buffer';
import { SOAP11_NS, SOAP12_NS } from '../xml/dom.js';
import { KnownUris, NsId } from '../xml/namespace-scope.js';
import { poxContentStart } from '../xml/pox-start.js';
import { Token, XmlTokenizer } from '../xml/tokenizer.js';
import { JsonEventWriter } from './xml-to-json.js';

/** xmldom's reading of references and ASCII names, as for the streaming path matcher. */
const TOKENIZER = new XmlTokenizer({ xmldomReferences: true, asciiNames: true });
const KNOWN = new KnownUris([SOAP11_NS, SOAP12_NS]);
const SOAP11 = KNOWN.idOf(SOAP11_NS);
const SOAP12 = KNOWN.idOf(SOAP12_NS);
const PREFIX_SOAPENV = Buffer.from('soapenv');
const XML_MULTIPLE = Buffer.from('<?xml-multiple');
const ENVELOPE = Buffer.from('Envelope');
const BODY = Buffer.from('Body');

/** Where the reader stands in the envelope. */
const enum At {
  /** Before the root element (a SOAP document). */
  Document,
  /** Among the children of the Envelope, looking for the Body. */
  Envelope,
  /** Among the children of the Body, looking for the payload element. */
  Body,
  /** The payload element is written; the rest is read for well-formedness only. */
  Done,
}

/**
 * The JSON text for the payload element of `raw` (the first element child of the SOAP Body; for a POX body,
 * its first element), '' when there is none, or undefined when the DOM route must decide. `maxDepth` bounds
 * nesting (the caller has checked the message budgets already).
 */
export function xmlBytesToJsonText(raw: Buffer, pox: boolean, maxDepth: number): string | undefined {
  if (!isUtf8(raw)) return undefined;
  const tok = TOKENIZER;
  try {
    let at: At;
    if (pox) {
      const start = poxContentStart(raw);
      if (start < 0) return undefined;
      tok.begin(raw, start, KNOWN, maxDepth, false);
      tok.bindPrefix(PREFIX_SOAPENV, SOAP11);
      at = At.Body;
    } else {
      tok.begin(raw, raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0, KNOWN, maxDepth, true);
      at = At.Document;
    }
    let out = '';
    let open = 0; // elements open (the payload element's own are counted by payload())
    for (;;) {
      // text matters only outside the root of a SOAP document, where it must be white space as in the DOM route
      const t = tok.next(pox || open > 0);
      if (t === Token.EOF) break;
      if (t === Token.TEXT) {
        if (!tok.isBlank()) return undefined;
      } else if (t === Token.CDATA) {
        if (open === 0 && !pox) return undefined; // not where the DOM route takes it
      } else if (t === Token.END) {
        open--;
        if (at === At.Body && open === 1) at = At.Done; // the Body ended without an element
      } else if (t === Token.START) {
        const d = open + 1;
        if (at === At.Body && d === (pox ? 1 : 3)) {
          out = payload(tok, raw); // reads up to the payload element's end
          at = At.Done;
          continue;
        }
        if (!tok.selfClosing) open++;
        if (at === At.Document) {
          if (d !== 1 || !named(raw, localStart(tok), tok.nameEnd, ENVELOPE)) return undefined;
          if ((tok.ns !== SOAP11 && tok.ns !== SOAP12) || tok.selfClosing) return undefined;
          at = At.Envelope;
        } else if (at === At.Envelope && d === 2 && named(raw, localStart(tok), tok.nameEnd, BODY)) {
          at = tok.selfClosing ? At.Done : At.Body;
        } else if (d === 1 && !pox) {
          return undefined; // a second root element
        }
      }
    }
    if (at === At.Document || at === At.Envelope) return undefined; // no envelope, or no Body
    return out;
  } catch {
    // a tokenizer refusal, or mixed content the writer cannot write: the DOM route reports it
    return undefined;
  } finally {
    tok.finish();
  }
}

/**
 * Writes the element the tokenizer stands on (a START) and everything in it. Text is passed on as the DOM's
 * text nodes: xmldom drops an empty CDATA section and lets the text on both sides of it run on as one node.
 */
function payload(tok: XmlTokenizer, raw: Buffer): string {
  const w = new JsonEventWriter();
  let open = 0;
  let run: string | null = null; // the current text node, while it may still run on
  let runOn = false; // an empty CDATA section since that text
  for (let t: number = Token.START; ; t = tok.next()) {
    if (t === Token.TEXT) {
      const s = tok.text();
      run = runOn && run !== null ? run + s : s;
      runOn = false;
      continue;
    }
    if (t === Token.CDATA && tok.textEnd === tok.textStart) {
      runOn = run !== null;
      continue;
    }
    if (run !== null) {
      w.characters(run);
      run = null;
    }
    runOn = false;
    if (t === Token.START) {
      w.startElement(tok.localName());
      for (let a = 0, n = tok.attrCount; a < n; a++) {
        if (tok.attrNs[a] !== NsId.XMLNS) w.attribute(tok.attrLocalName(a), tok.attrValue(a));
      }
      if (tok.selfClosing) w.endElement();
      else open++;
    } else if (t === Token.END) {
      w.endElement();
      open--;
    } else if (t === Token.CDATA) {
      w.characters(tok.text());
    } else if (t === Token.PI) {
      // the target is the name right before the content: `<?xml-multiple` ends where the content starts
      const s = tok.textStart - XML_MULTIPLE.length;
      if (s >= 0 && raw.compare(XML_MULTIPLE, 0, XML_MULTIPLE.length, s, tok.textStart) === 0) {
        w.xmlMultiple(raw.toString('utf8', tok.textStart, tok.textEnd));
      }
    }
    if (open === 0) return w.finish();
  }
}

function localStart(tok: XmlTokenizer): number {
  return tok.colon < 0 ? tok.nameStart : tok.colon + 1;
}

function named(raw: Buffer, s: number, e: number, name: Buffer): boolean {
  return e - s === name.length && raw.compare(name, 0, name.length, s, e) === 0;
}
