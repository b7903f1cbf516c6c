/**
 * Cheap guards run on message bytes before any XML parser sees them: DOCTYPE (SOAP forbids DTDs and parser
 * defaults expand entities) and nesting depth (deep documents exhaust the stack of recursive tree code).
 */
import { Errors, MiError } from '../errors.js';
import { findDoctype } from './dom.js';

/** Throws MiError (400) when the text holds a DOCTYPE or nests deeper than maxDepth elements. */
export function checkXmlText(text: string, maxDepth: number): void {
  if (findDoctype(text) >= 0) throw new MiError(Errors.REQUEST_DOCTYPE, 'DOCTYPE is not allowed in a message');
  let depth = 0;
  const n = text.length;
  for (let i = text.indexOf('<'); i >= 0 && i < n; i = text.indexOf('<', i + 1)) {
    const c = text.charCodeAt(i + 1);
    if (c === 47 /* / */) {
      depth--;
    } else if (c === 33 /* ! */) {
      if (text.startsWith('<!--', i)) {
        const e = text.indexOf('-->', i + 4);
        if (e < 0) break;
        i = e;
      } else if (text.startsWith('<![CDATA[', i)) {
        const e = text.indexOf(']]>', i + 9);
        if (e < 0) break;
        i = e;
      }
    } else if (c !== 63 /* ? */) {
      const gt = findTagEnd(text, i + 1);
      if (gt < 0) break;
      if (text.charCodeAt(gt - 1) !== 47) {
        if (++depth > maxDepth) {
          throw new MiError(Errors.XML_TOO_DEEP, `XML nesting is deeper than ${maxDepth} elements`);
        }
      }
      i = gt;
    }
  }
}

/** Index of the '>' closing a start tag, skipping quoted attribute values. */
function findTagEnd(text: string, from: number): number {
  let q = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (q) {
      if (c === q) q = 0;
    } else if (c === 34 || c === 39) q = c;
    else if (c === 62) return i;
  }
  return -1;
}
