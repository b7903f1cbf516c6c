/**
 * Random (version 4) UUIDs for the correlation id every request without an `activityid` header gets.
 * crypto.randomUUID() builds its text from about twenty string concatenations, some 590 bytes of garbage per
 * request on the pass-through path; this writes the 36 characters into one buffer and makes one string.
 * The random bytes come, as Node's own, from a pool refilled by the CSPRNG every 128 UUIDs.
 */
import { randomFillSync } from 'node:crypto';

const PER_FILL = 128;
const pool = Buffer.allocUnsafe(16 * PER_FILL);
let used = PER_FILL;
const text = Buffer.allocUnsafe(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');

export function requestUuid(): string {
  if (used === PER_FILL) {
    randomFillSync(pool);
    used = 0;
  }
  const at = used++ * 16;
  let j = 0;
  for (let i = 0; i < 16; i++) {
    let b = pool[at + i]!;
    if (i === 6) b = (b & 0x0f) | 0x40; // version 4
    else if (i === 8) b = (b & 0x3f) | 0x80; // variant 10xx (RFC 9562)
    if (i === 4 || i === 6 || i === 8 || i === 10) text[j++] = 0x2d;
    text[j++] = HEX[b >> 4]!;
    text[j++] = HEX[b & 15]!;
  }
  return text.toString('latin1', 0, 36);
}
