/**
 * Character sets of message bodies. Reading: the HTTP `charset` parameter decides (RFC 7303), then for XML a
 * byte order mark or the `encoding` of the XML declaration, else UTF-8. Writing: the charset named by the
 * outgoing content type when this runtime can encode it (UTF-8, ISO-8859-1, US-ASCII; characters outside
 * the set leave as character references or \u escapes), otherwise UTF-8, and the content type and the XML
 * declaration always name the charset the bytes are in.
 *
 * ISO-8859-1 and US-ASCII decode as Java decodes them (every byte is its code point), not as the WHATWG
 * Encoding Standard's windows-1252 that TextDecoder uses for those labels.
 */
import { isUtf8 } from 'node:buffer';
import { Errors, MiError } from '../errors.js';

const LATIN1 = new Set(['iso-8859-1', 'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'latin1', 'l1', 'cp819', 'ibm819', 'iso-ir-100', 'csisolatin1']);
const ASCII = new Set(['us-ascii', 'ascii', 'ansi_x3.4-1968', 'iso646-us', 'csascii']);
const UTF8 = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);
const WINDOWS_1252 = new Set(['windows-1252', 'cp1252', 'x-cp1252']);

/**
 * windows-1252 at 0x80..0x9F (the rest is ISO-8859-1). Node 20's TextDecoder('windows-1252') decodes those
 * bytes as ISO-8859-1 (C1 controls), so this table does it; unassigned bytes keep their code point, as in
 * the WHATWG index.
 */
const CP1252_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
].map((c) => String.fromCharCode(c));

function decodeWindows1252(raw: Buffer): string {
  return raw.toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

/** The `charset` parameter of a content type, lower case, or undefined. */
export function charsetParam(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const v = m ? (m[1] ?? m[2] ?? '').trim().toLowerCase() : '';
  return v === '' ? undefined : v;
}

/** The encoding an XML body announces without HTTP help: byte order mark, then the declaration; undefined = UTF-8. */
export function xmlEncoding(raw: Buffer): string | undefined {
  const b0 = raw[0];
  const b1 = raw[1];
  if (b0 === 0xef && b1 === 0xbb && raw[2] === 0xbf) return 'utf-8';
  if (b0 === 0xff && b1 === 0xfe) return 'utf-16le';
  if (b0 === 0xfe && b1 === 0xff) return 'utf-16be';
  if (b0 === 0x3c && b1 === 0x00 && raw[2] === 0x3f && raw[3] === 0x00) return 'utf-16le';
  if (b0 === 0x00 && b1 === 0x3c && raw[2] === 0x00 && raw[3] === 0x3f) return 'utf-16be';
  // the declaration is ASCII in every ASCII-compatible encoding, and must come first
  let s = 0;
  while (s < raw.length && s < 64 && (raw[s] === 0x20 || raw[s] === 0x09 || raw[s] === 0x0a || raw[s] === 0x0d)) s++;
  if (raw[s] !== 0x3c || raw[s + 1] !== 0x3f) return undefined;
  const head = raw.subarray(s, s + 256).toString('latin1');
  const end = head.indexOf('?>');
  if (!head.startsWith('<?xml') || end < 0) return undefined;
  // the quotes must match: `encoding="U'TF-8"` names no encoding (the parser then judges the declaration)
  const m = /\sencoding\s*=\s*(?:"([A-Za-z][A-Za-z0-9._:-]*)"|'([A-Za-z][A-Za-z0-9._:-]*)')/.exec(head.slice(0, end));
  return m ? (m[1] ?? m[2])!.toLowerCase() : undefined;
}

function isUtf8Label(label: string | undefined): boolean {
  return label === undefined || UTF8.has(label);
}

/**
 * The bytes as one character per byte when `label` (undefined = UTF-8) keeps ASCII bytes for ASCII characters
 * and never uses an ASCII byte inside a multi-byte character: markup and JSON punctuation then stand where
 * they stand in the decoded text, and a budget scan need not wait for (or pay) the full decode.
 */
export function asciiView(raw: Buffer, label: string | undefined): string | undefined {
  if (isUtf8Label(label) || LATIN1.has(label!) || ASCII.has(label!) || /^(windows-125\d|iso-8859-\d+|cp125\d)$/.test(label!)) {
    const start = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
    return raw.toString('latin1', start);
  }
  return undefined;
}

/** True when `label` (undefined = UTF-8) reads as UTF-8, so the bytes can be scanned as UTF-8 directly. */
export function readsAsUtf8(label: string | undefined): boolean {
  return isUtf8Label(label);
}

/**
 * The text of `raw` in `label` (undefined = UTF-8), without a byte order mark. `strict` (XML, JSON) refuses
 * bytes that are not valid in the charset (400 MI_REQ_007) instead of replacing them with U+FFFD.
 */
export function decodeBytes(raw: Buffer, label: string | undefined, strict: boolean): string {
  if (isUtf8Label(label)) {
    if (strict && !isUtf8(raw)) throw malformed(label ?? 'utf-8');
    const start = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
    return raw.toString('utf8', start);
  }
  if (LATIN1.has(label!)) return raw.toString('latin1');
  if (WINDOWS_1252.has(label!)) return decodeWindows1252(raw);
  if (ASCII.has(label!)) {
    if (strict) for (let i = 0; i < raw.length; i++) if (raw[i]! > 0x7f) throw malformed(label!);
    return raw.toString('latin1');
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: strict });
  } catch {
    throw new MiError(Errors.CHARSET_UNSUPPORTED, `the charset '${label!.slice(0, 40)}' of the message is not supported`);
  }
  try {
    return decoder.decode(raw);
  } catch {
    throw malformed(label!);
  }
}

function malformed(label: string): MiError {
  return new MiError(Errors.CHARSET_MALFORMED, `the message body is not valid ${label.toUpperCase()}`);
}

export type OutputCharset = 'UTF-8' | 'ISO-8859-1' | 'US-ASCII';

/** The charset the body is written in for an outgoing content type: the declared one when it can be encoded, else UTF-8. */
export function outputCharset(contentType: string | undefined): OutputCharset {
  const label = charsetParam(contentType);
  if (label !== undefined && LATIN1.has(label)) return 'ISO-8859-1';
  if (label !== undefined && ASCII.has(label)) return 'US-ASCII';
  return 'UTF-8';
}

/** The content type with its charset parameter set to `charset` (added when missing). */
export function withCharsetParam(contentType: string, charset: OutputCharset): string {
  if (/;\s*charset\s*=/i.test(contentType)) return contentType.replace(/(;\s*charset\s*=\s*)(?:"[^"]*"|[^;\s]*)/i, `$1${charset}`);
  return `${contentType}; charset=${charset}`;
}

export type BodySyntax = 'xml' | 'json' | 'text';

/**
 * Bytes of `text` in `charset`. Characters outside ISO-8859-1 / US-ASCII become character references (XML
 * text and attribute values) or \u escapes (JSON strings); where neither can stand (an element name, a
 * comment, plain text) the body is written in UTF-8 instead, and the returned charset says so.
 */
export function encodeText(text: string, charset: OutputCharset, syntax: BodySyntax): { bytes: Buffer; charset: OutputCharset } {
  if (charset === 'UTF-8') return { bytes: Buffer.from(text, 'utf8'), charset };
  const max = charset === 'ISO-8859-1' ? 0xff : 0x7f;
  const outside = max === 0xff ? /[^\x00-\xff]/ : /[^\x00-\x7f]/;
  let out: string | undefined = text;
  if (outside.test(text)) {
    if (syntax === 'json') out = text.replace(max === 0xff ? /[^\x00-\xff]/g : /[^\x00-\x7f]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
    else if (syntax === 'xml') out = xmlWithReferences(text, max);
    else out = undefined;
  }
  if (out === undefined) return { bytes: Buffer.from(text, 'utf8'), charset: 'UTF-8' };
  return { bytes: Buffer.from(out, 'latin1'), charset };
}

/** The XML with each character above `max` as &#x..; or undefined when one stands where a reference cannot. */
function xmlWithReferences(xml: string, max: number): string | undefined {
  let out = '';
  let from = 0;
  let i = 0;
  const n = xml.length;
  // states: content, inside a tag (outside quotes), inside a quoted attribute value
  let quote = 0;
  let inTag = false;
  while (i < n) {
    const c = xml.charCodeAt(i);
    if (!inTag) {
      if (c === 60 /* < */) {
        let close = -1;
        if (xml.startsWith('<!--', i)) close = xml.indexOf('-->', i);
        else if (xml.startsWith('<![CDATA[', i)) close = xml.indexOf(']]>', i);
        else if (xml.startsWith('<?', i)) close = xml.indexOf('?>', i);
        if (close >= 0) {
          // no reference can stand in a comment, CDATA section or processing instruction
          for (let k = i; k < close; k++) if (xml.charCodeAt(k) > max) return undefined;
          i = close + 2;
          continue;
        }
        inTag = true;
      } else if (c > max) {
        i = reference(xml, i);
        continue;
      }
    } else if (quote) {
      if (c === quote) quote = 0;
      else if (c > max) {
        i = reference(xml, i);
        continue;
      }
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62 /* > */) inTag = false;
    else if (c > max) return undefined; // an element or attribute name
    i++;
  }
  return out + xml.slice(from);

  function reference(s: string, at: number): number {
    const cp = s.codePointAt(at)!;
    out += s.slice(from, at) + '&#x' + cp.toString(16).toUpperCase() + ';';
    from = at + (cp > 0xffff ? 2 : 1);
    return from;
  }
}

/** XML text whose declaration (if any) names `charset` as its encoding. */
export function declareXmlEncoding(xml: string, charset: OutputCharset): string {
  if (!xml.startsWith('<?xml')) return xml;
  const end = xml.indexOf('?>');
  if (end < 0) return xml;
  const decl = xml.slice(0, end);
  const m = /(\sencoding\s*=\s*)(["'])[^"']*\2/.exec(decl);
  if (!m) {
    // without a declared encoding a reader assumes UTF-8
    if (charset === 'UTF-8') return xml;
    const v = /^<\?xml\s+version\s*=\s*(["'])[^"']*\1/.exec(decl);
    return v ? xml.slice(0, v[0].length) + ` encoding="${charset}"` + xml.slice(v[0].length) : xml;
  }
  return decl.slice(0, m.index) + `${m[1]}${m[2]}${charset}${m[2]}` + decl.slice(m.index + m[0].length) + xml.slice(end);
}
