/**
 * XML as bytes: the markup bytes, character classes for names and references, and the decoding of short
 * byte ranges (names, prefixes, values) into strings. Shared by the byte tokenizer and its readers.
 */

/**
 * Markup bytes. The constants here are const enums: tsc writes the numbers where they are used, so the scan
 * loops compare with immediates (an imported binding is a load and a check on every use in V8).
 */
export const enum Ch {
  TAB = 0x09,
  LF = 0x0a,
  CR = 0x0d,
  SPACE = 0x20,
  BANG = 0x21,
  QUOT = 0x22,
  HASH = 0x23,
  AMP = 0x26,
  APOS = 0x27,
  DASH = 0x2d,
  SLASH = 0x2f,
  COLON = 0x3a,
  SEMI = 0x3b,
  LT = 0x3c,
  EQ = 0x3d,
  GT = 0x3e,
  QMARK = 0x3f,
}

/** Byte classes, bits of CHAR_CLASSES. */
export const enum Cls {
  /** NCName start: ASCII letters and '_'. */
  START = 1,
  /** NCName character: START, digits, '-', '.'. */
  NAME = 2,
  /** XML white space: space, TAB, LF, CR. */
  WS = 4,
  /** `\w` of a reference name: ASCII letters, digits and '_'. */
  WORD = 8,
  HEX = 16,
  DIGIT = 32,
}

/** The class bits of each byte. Readers keep it in a module-level const of their own (see Ch). */
export const CHAR_CLASSES = new Uint8Array(256);
for (let b = 0; b < 128; b++) {
  const ch = String.fromCharCode(b);
  if (/[A-Za-z_]/.test(ch)) CHAR_CLASSES[b] |= Cls.START | Cls.NAME | Cls.WORD;
  if (/[0-9]/.test(ch)) CHAR_CLASSES[b] |= Cls.NAME | Cls.WORD | Cls.DIGIT;
  if (/[0-9A-Fa-f]/.test(ch)) CHAR_CLASSES[b] |= Cls.HEX;
  if (ch === '-' || ch === '.') CHAR_CLASSES[b] |= Cls.NAME;
  if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') CHAR_CLASSES[b] |= Cls.WS;
}

export const PI_END = Buffer.from('?>');

/**
 * Buffer's own slice decoders, without the argument checks and encoding lookup of toString(), which cost
 * more than the decoding of the short names here (toString calls them after those checks).
 */
type Slicers = { latin1Slice(s: number, e: number): string; utf8Slice(s: number, e: number): string };

/** One character per byte: for ASCII names, and as a lossless key for any bytes. */
export function latin1(b: Buffer, s: number, e: number): string {
  return (b as unknown as Slicers).latin1Slice(s, e);
}

export function utf8(b: Buffer, s: number, e: number): string {
  return (b as unknown as Slicers).utf8Slice(s, e);
}

/** Longest name quoted in an error message: names come from the sender and may be megabytes long. */
const MAX_QUOTED = 64;

/** A name from the bytes for an error message, cut short when long. */
export function quotedName(b: Buffer, s: number, e: number): string {
  return e - s > MAX_QUOTED ? `${utf8(b, s, s + MAX_QUOTED)}...` : utf8(b, s, e);
}

/** Whether b[s, e) is XML white space only. */
export function isBlank(b: Buffer, s: number, e: number): boolean {
  for (let k = s; k < e; k++) {
    const c = b[k];
    if (c !== Ch.SPACE && c !== Ch.LF && c !== Ch.TAB && c !== Ch.CR) return false;
  }
  return true;
}

/**
 * Whether b[s, e) holds only XML Chars, as far as bytes tell: no C0 control other than TAB, LF, CR, and no
 * U+FFFE or U+FFFF. (UTF-8 validity itself is the reader's concern.)
 */
export function allXmlChars(b: Buffer, s: number, e: number): boolean {
  for (let k = s; k < e; k++) {
    const c = b[k]!;
    if (c < 0x20) {
      if (c !== Ch.TAB && c !== Ch.LF && c !== Ch.CR) return false;
    } else if (c === 0xef && b[k + 1] === 0xbf && (b[k + 2] === 0xbe || b[k + 2] === 0xbf)) {
      return false;
    }
  }
  return true;
}

/** parseXml()'s /<!DOCTYPE/i over the whole text (a one-byte search: Buffer.indexOf of '<!' is much slower). */
export function hasDoctype(raw: Buffer): boolean {
  const len = raw.length;
  for (let k = raw.indexOf(Ch.BANG, 1); k >= 0; k = raw.indexOf(Ch.BANG, k + 1)) {
    if (
      raw[k - 1] === Ch.LT &&
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
