/** Totals per month (and in all) from hour rows, for the management API and `mi transactions`. */
import { monthOf } from './hours.js';
import type { HourCount } from './store.js';

export interface MonthTotal {
  /** `YYYY-MM` */
  readonly month: string;
  readonly count: number;
}

export function monthTotals(hours: readonly HourCount[]): MonthTotal[] {
  const by = new Map<string, number>();
  for (const h of hours) by.set(monthOf(h.hour), (by.get(monthOf(h.hour)) ?? 0) + h.count);
  return [...by].sort(([a], [b]) => (a < b ? -1 : 1)).map(([month, count]) => ({ month, count }));
}

export function total(rows: readonly { count: number }[]): number {
  return rows.reduce((a, r) => a + r.count, 0);
}
