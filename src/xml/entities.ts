/**
 * Character data as XML defines its value: the five predefined entities and decimal/hexadecimal character
 * references, line ends, and attribute-value normalization.
 *
 * References are read in one of two ways. Strict XML refuses an '&' that starts no reference and a
 * reference to a code point that is not an XML Char. xmldom, whose results the streaming XPath matcher
 * must reproduce, keeps an '&' not followed by `#?\w` as text and accepts any code point up to U+10FFFF.
 *
 * Line ends and attribute values follow xmldom, which the DOM route of the runtime uses for the same
 * messages: CR LF, CR, NEL, LS and PS become LF before parsing; in attribute values TAB, LF and CR of the
 * literal text become a space, while characters written as references are kept.
 */
import { CHAR_CLASSES, Ch, Cls, latin1, utf8 } from './bytes.js';

const CLS = CHAR_CLASSES;

/** Where readReference leaves the referenced text. */
export interface ReferenceValue {
  value: string;
}

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * Reads the reference at b[p] === '&' within [p, end): sets out.value and returns the index after it, or
 * -1 when it is not one that `lenient` (xmldom's reading) or strict XML accepts.
 */
export function readReference(b: Buffer, p: number, end: number, lenient: boolean, out: ReferenceValue): number {
  let j = p + 1;
  const hash = j < end && b[j] === Ch.HASH;
  if (hash) j++;
  const ws = j;
  while (j < end && (CLS[b[j]!]! & Cls.WORD) !== 0) j++;
  if (j === ws) {
    if (!lenient) return -1;
    out.value = '&';
    return p + 1;
  }
  if (j >= end || b[j] !== Ch.SEMI) return -1;
  if (hash) {
    let code = 0;
    if (b[ws] === 0x78) {
      if (j === ws + 1) return -1;
      for (let k = ws + 1; k < j; k++) {
        const c = b[k]!;
        if ((CLS[c]! & Cls.HEX) === 0) return -1;
        code = code * 16 + (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
        if (code > 0x10ffff) return -1;
      }
    } else {
      for (let k = ws; k < j; k++) {
        const c = b[k]!;
        if ((CLS[c]! & Cls.DIGIT) === 0) return -1;
        code = code * 10 + (c - 0x30);
        if (code > 0x10ffff) return -1;
      }
    }
    if (!lenient && !isXmlChar(code)) return -1;
    out.value = String.fromCodePoint(code);
    return j + 1;
  }
  const L = j - ws;
  const b0 = b[ws];
  const b1 = b[ws + 1];
  const b2 = b[ws + 2];
  const b3 = b[ws + 3];
  if (L === 2 && b0 === 0x6c && b1 === 0x74) out.value = '<';
  else if (L === 2 && b0 === 0x67 && b1 === 0x74) out.value = '>';
  else if (L === 3 && b0 === 0x61 && b1 === 0x6d && b2 === 0x70) out.value = '&';
  else if (L === 4 && b0 === 0x71 && b1 === 0x75 && b2 === 0x6f && b3 === 0x74) out.value = '"';
  else if (L === 4 && b0 === 0x61 && b1 === 0x70 && b2 === 0x6f && b3 === 0x73) out.value = "'";
  else return -1;
  return j + 1;
}

/** What is wrong with the reference at b[p] === '&' that readReference refused. */
export function referenceProblem(b: Buffer, p: number, end: number): string {
  const stop = Math.min(end, p + 12);
  for (let k = p + 1; k < stop; k++) {
    if (b[k] === Ch.SEMI) return `unknown entity '&${latin1(b, p + 1, k)};'`;
  }
  return "an '&' that starts no entity reference";
}

const TEXT_EOL = /[\r\u0085\u2028\u2029]/;
const ATTR_WS = /[\t\n\r\u0085\u2028\u2029]/;

function normalizeEol(s: string): string {
  return s.replace(/\r[\n\u0085]/g, '\n').replace(/[\r\u0085\u2028\u2029]/g, '\n');
}

/** Character data without references in b[s, e) (UTF-8), line ends normalized. */
export function textPiece(b: Buffer, s: number, e: number): string {
  if (e - s <= 32) {
    // short ASCII runs: building the string here beats a native slice call
    let t = '';
    let k = s;
    for (; k < e; k++) {
      const c = b[k]!;
      if (c >= 0x80 || c === 0x0d) break;
      t += String.fromCharCode(c);
    }
    if (k === e) return t;
  }
  const t = utf8(b, s, e);
  return TEXT_EOL.test(t) ? normalizeEol(t) : t;
}

/** Attribute-value text without references in b[s, e): line ends normalized, then white space to spaces. */
export function attributePiece(b: Buffer, s: number, e: number): string {
  const t = utf8(b, s, e);
  return ATTR_WS.test(t) ? normalizeEol(t).replace(/[\t\n\r]/g, ' ') : t;
}
