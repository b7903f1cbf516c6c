/**
 * `GET /management/transactions/count[?year=YYYY&month=M]` -> `{"Year", "Month", "TransactionCount"}`
 * (the current month by default) and `GET /management/transactions/report?start=YYYY-MM&end=YYYY-MM`
 * -> totals per month. Months are UTC. Counts still in memory are included, so the answer is current
 * even between database updates.
 */
import type { FastifyInstance } from 'fastify';
import { Errors, MiError } from '../../errors.js';
import { monthRange, parseMonth } from '../../transactions/hours.js';
import { monthTotals, total } from '../../transactions/report.js';
import type { HourCount } from '../../transactions/store.js';
import type { ManagementContext } from '../context.js';
import { badRequest } from '../errors.js';
import type { Query } from '../list.js';

async function hours(ctx: ManagementContext, from: string, to: string): Promise<HourCount[]> {
  const counter = ctx.transactions;
  if (!counter) throw new MiError(Errors.MGT_TRANSACTIONS_OFF, 'the transaction counter is off on this server; set [transaction_counter] enable = true in deployment.toml');
  try {
    return await counter.hours(from, to);
  } catch (err) {
    if (err instanceof MiError) throw err;
    throw new MiError(Errors.MGT_TRANSACTIONS_STORE, `the transaction counts cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

export function registerTransactions(app: FastifyInstance, ctx: ManagementContext): void {
  app.get('/management/transactions/count', async (req) => {
    const q = req.query as Query;
    let year: number;
    let month: number;
    if (q['year'] === undefined && q['month'] === undefined) {
      const now = new Date();
      year = now.getUTCFullYear();
      month = now.getUTCMonth() + 1;
    } else {
      const m = parseMonth(`${q['year'] ?? ''}-${q['month'] ?? ''}`);
      if (!m) badRequest('Input parameters are not valid: give both year=YYYY and month=1..12, or neither for the current month');
      ({ year, month } = m);
    }
    const r = monthRange(year, month);
    return { Year: year, Month: month, TransactionCount: total(await hours(ctx, r.from, r.to)) };
  });

  app.get('/management/transactions/report', async (req) => {
    const q = req.query as Query;
    const start = parseMonth(q['start'] ?? '');
    const now = new Date();
    const end = q['end'] === undefined ? { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 } : parseMonth(q['end']);
    if (!start || !end) badRequest('give start=YYYY-MM and optionally end=YYYY-MM (default: the current month)');
    const from = monthRange(start.year, start.month).from;
    const to = monthRange(end.year, end.month).to;
    if (from > to) badRequest('start must not be after end');
    const rows = await hours(ctx, from, to);
    const months = monthTotals(rows);
    return { start: from.slice(0, 7), end: to.slice(0, 7), TransactionCount: total(rows), count: months.length, list: months.map((m) => ({ Month: m.month, TransactionCount: m.count })) };
  });
}
