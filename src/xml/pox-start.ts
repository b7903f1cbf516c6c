import { Ch, PI_END } from './bytes.js';

/**
 * Where the content of a plain-XML (POX) body starts as Payload.envelope() reads it before wrapping it in an
 * envelope: after leading white space, a byte order mark and one `<?xml ...?>` declaration. -1 when a byte
 * reader cannot be sure (Unicode white space beyond ASCII, an unterminated declaration): the DOM decides.
 */
export function poxContentStart(raw: Buffer): number {
  let i = 0;
  for (;;) {
    const b = raw[i];
    if (b === 0x20 || (b !== undefined && b >= 0x09 && b <= 0x0d)) i++;
    else if (b === 0xef && raw[i + 1] === 0xbb && raw[i + 2] === 0xbf) i += 3;
    else break;
  }
  if (i < raw.length && raw[i]! >= 0x80) return -1;
  if (raw[i] === Ch.LT && raw[i + 1] === Ch.QMARK && raw[i + 2] === 0x78 && raw[i + 3] === 0x6d && raw[i + 4] === 0x6c) {
    const q = raw.indexOf(PI_END, i);
    if (q < 0) return -1;
    i = q + 2;
  }
  return i;
}
