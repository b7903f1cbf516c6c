/**
 * The hour keys of the counts table: `YYYY-MM-DDTHH` in UTC, which sort and compare as text, so a range
 * of days or months is a plain string range.
 */
const HOUR_MS = 3_600_000;

export function hourKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

/** The first millisecond of the next hour. */
export function nextHour(ms: number): number {
  return (Math.floor(ms / HOUR_MS) + 1) * HOUR_MS;
}

/** `2024-05` for an hour key or date. */
export function monthOf(hour: string): string {
  return hour.slice(0, 7);
}

/** First and last hour key of a month (month 1-12). */
export function monthRange(year: number, month: number): { from: string; to: string } {
  const m = String(month).padStart(2, '0');
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { from: `${year}-${m}-01T00`, to: `${year}-${m}-${String(last).padStart(2, '0')}T23` };
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{1,2})$/;

/** `YYYY-MM-DD` -> its first or last hour key; undefined when not a real date. */
export function dayHour(day: string, end: boolean): string | undefined {
  const m = DAY.exec(day);
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return undefined;
  return `${day}T${end ? '23' : '00'}`;
}

/** `YYYY-MM` (or `YYYY-M`) -> year and month; undefined when not a month. */
export function parseMonth(s: string): { year: number; month: number } | undefined {
  const m = MONTH.exec(s);
  if (!m) return undefined;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? { year: Number(m[1]), month } : undefined;
}
