/**
 * xsd:dateTime as WS-Security timestamps carry it: `2024-05-01T10:00:00Z`, with optional fractional seconds
 * and a `Z` or `±hh:mm` zone (clients send both; zeep writes `+00:00`). A time without a zone is refused:
 * it would mean a different instant on each side.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, or undefined when `text` is not a zoned xsd:dateTime. */
export function parseDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s));
  // Date.UTC rolls 31 February over into March: such a date is not valid
  if (new Date(ms).getUTCDate() !== day) return undefined;
  if (frac) ms += Math.floor(Number(frac) * 1000);
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    const zh = Number(zone!.slice(1, 3));
    const zm = Number(zone!.slice(4, 6));
    if (zh > 14 || zm > 59) return undefined;
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  return ms;
}
