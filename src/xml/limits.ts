/**
 * Cheap guards run on message text before any XML parser sees it: DOCTYPE (SOAP forbids DTDs and parser
 * defaults expand entities), nesting depth (deep documents exhaust the stack of recursive tree code), and
 * the budgets on elements, attributes per element and nodes (each node costs the DOM builder microseconds
 * and hundreds of bytes; ten megabytes of `<a/>` would block the event loop for seconds).
 *
 * One forward pass with indexOf over the markup, stopping at the first exceeded budget, so a hostile body
 * costs at most as much scanning as its allowed part. It counts what the parser would create; malformed
 * markup ends the scan early and is left to the parser, which stops at its first error.
 */
import { Errors, MiError } from '../errors.js';
import { findDoctype } from './dom.js';

export interface XmlBudget {
  maxDepth: number;
  maxElements: number;
  maxAttributesPerElement: number;
  /** Elements, attributes, text runs, entity and character references, comments, CDATA sections, PIs. */
  maxNodes: number;
}

export interface XmlCounts {
  elements: number;
  nodes: number;
  maxDepth: number;
}

const LT = 60;
const GT = 62;
const AMP = 38;
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const EQ = 61;
const DQ = 34;
const SQ = 39;

/** Throws MiError (400/413) when the text holds a DOCTYPE or exceeds a budget; returns what it counted. */
export function checkXmlText(text: string, budget: XmlBudget): XmlCounts {
  if (findDoctype(text) >= 0) throw new MiError(Errors.REQUEST_DOCTYPE, 'DOCTYPE is not allowed in a message');
  const { maxDepth, maxElements, maxAttributesPerElement, maxNodes } = budget;
  const n = text.length;
  let depth = 0;
  let deepest = 0;
  let elements = 0;
  let nodes = 0;
  const tooManyNodes = (): never => {
    throw new MiError(Errors.XML_TOO_MANY_NODES, `the XML message has more than ${maxNodes} nodes (elements, attributes, text runs, references, comments); [server] max_xml_nodes`);
  };
  let i = 0;
  // next '&' at or after i, kept between text runs so that each search covers new text only
  let amp = -1;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i) {
      // a text run, and each reference in it is handled (and allocated) on its own by the parser
      nodes++;
      if (amp < i) {
        amp = text.indexOf('&', i);
        if (amp < 0) amp = n;
      }
      while (amp < end) {
        nodes++;
        amp = text.indexOf('&', amp + 1);
        if (amp < 0) amp = n;
      }
      if (nodes > maxNodes) tooManyNodes();
    }
    if (lt < 0) break;
    const c = text.charCodeAt(lt + 1);
    if (c === SLASH) {
      depth--;
      const gt = text.indexOf('>', lt + 2);
      if (gt < 0) break;
      i = gt + 1;
      continue;
    }
    if (c === BANG) {
      let close: number;
      if (text.startsWith('<!--', lt)) close = indexAfter(text, '-->', lt + 4);
      else if (text.startsWith('<![CDATA[', lt)) close = indexAfter(text, ']]>', lt + 9);
      else break; // not markup a message may hold; the parser reports it
      if (close < 0) break;
      if (++nodes > maxNodes) tooManyNodes();
      i = close;
      continue;
    }
    if (c === QUESTION) {
      const close = indexAfter(text, '?>', lt + 2);
      if (close < 0) break;
      if (++nodes > maxNodes) tooManyNodes();
      i = close;
      continue;
    }
    // a start tag: attributes are counted by their '=' outside quoted values
    let attrs = 0;
    let refs = 0;
    let q = 0;
    let gt = -1;
    for (let k = lt + 1; k < n; k++) {
      const ch = text.charCodeAt(k);
      if (q) {
        if (ch === q) q = 0;
        else if (ch === AMP) refs++;
      } else if (ch === DQ || ch === SQ) q = ch;
      else if (ch === EQ) {
        if (++attrs > maxAttributesPerElement) {
          throw new MiError(Errors.XML_TOO_MANY_ATTRIBUTES, `an XML element has more than ${maxAttributesPerElement} attributes; [server] max_xml_attributes_per_element`);
        }
      } else if (ch === GT) {
        gt = k;
        break;
      } else if (ch === LT) break; // malformed: the parser reports it
    }
    if (gt < 0) break;
    if (++elements > maxElements) {
      throw new MiError(Errors.XML_TOO_MANY_ELEMENTS, `the XML message has more than ${maxElements} elements; [server] max_xml_elements`);
    }
    nodes += 1 + attrs + refs;
    if (nodes > maxNodes) tooManyNodes();
    // an empty element sits one level down too, it just does not stay open
    const level = depth + 1;
    if (level > maxDepth) throw new MiError(Errors.XML_TOO_DEEP, `XML nesting is deeper than ${maxDepth} elements; [server] max_xml_depth`);
    if (level > deepest) deepest = level;
    if (text.charCodeAt(gt - 1) !== SLASH) depth = level;
    i = gt + 1;
  }
  return { elements, nodes, maxDepth: deepest };
}

/** Index just past the next `token` at or after `from`, or -1. */
function indexAfter(text: string, token: string, from: number): number {
  const e = text.indexOf(token, from);
  return e < 0 ? -1 : e + token.length;
}
