/**
 * `mi transactions [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--home DIR] [--hourly] [--json]`: the requests
 * counted into proxy services and APIs, read straight from the counts database of a home folder (the
 * `[transaction_counter] data_source`, else the embedded one), so no server needs to run. Prints the total
 * per month and in all, or every hour with --hourly. Days are UTC; the default is the current month.
 * Counts a running server has not written yet (at most `update_interval` old) are not included.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { Errors, MiError } from '../errors.js';
import { memoryLoggerFactory } from '../logging/logger.js';
import { openStores } from '../store/stores.js';
import { dayHour } from '../transactions/hours.js';
import { monthTotals, total } from '../transactions/report.js';
import { transactionSettings } from '../transactions/settings.js';
import { readHours } from '../transactions/store.js';
import { table } from './table.js';

export interface TransactionsOptions {
  home: string;
  from?: string;
  to?: string;
  hourly?: boolean;
  json?: boolean;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function range(opts: TransactionsOptions): { from: string; to: string } {
  const from = opts.from ?? `${today().slice(0, 7)}-01`;
  const to = opts.to ?? today();
  const f = dayHour(from, false);
  const t = dayHour(to, true);
  if (!f) throw new MiError(Errors.TRANSACTIONS_CLI, `--from '${from}' is not a date like 2024-05-01`);
  if (!t) throw new MiError(Errors.TRANSACTIONS_CLI, `--to '${to}' is not a date like 2024-05-31`);
  if (f > t) throw new MiError(Errors.TRANSACTIONS_CLI, `--from ${from} is after --to ${to}`);
  return { from: f, to: t };
}

export async function transactionsCommand(opts: TransactionsOptions): Promise<void> {
  const logs = memoryLoggerFactory();
  try {
    const home = path.resolve(opts.home);
    if (!existsSync(home)) throw new MiError(Errors.HOME_MISSING, `home folder ${home} does not exist`);
    const { from, to } = range(opts);
    const config = loadConfig(home);
    const settings = transactionSettings(config.toml);
    const stores = await openStores(config, logs);
    let rows;
    try {
      rows = await readHours(await stores.database(settings.dataSource), from, to);
    } finally {
      await stores.close();
    }
    const months = monthTotals(rows);
    const sum = total(rows);
    if (opts.json) {
      const out = { from: from.slice(0, 10), to: to.slice(0, 10), total: sum, months, ...(opts.hourly ? { hours: rows } : {}) };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return;
    }
    if (!settings.enable) process.stderr.write('mi: note: [transaction_counter] enable is false in deployment.toml, so a running server is not counting\n');
    if (opts.hourly) process.stdout.write(table(['hour (UTC)', 'requests'], rows.map((r) => [r.hour.replace('T', ' ') + ':00', r.count])));
    else process.stdout.write(table(['month', 'requests'], months.map((m) => [m.month, m.count])));
    process.stdout.write(`total ${sum} requests from ${from.slice(0, 10)} to ${to.slice(0, 10)} (UTC)\n`);
  } catch (err) {
    const e = err instanceof MiError ? err : new MiError(Errors.TRANSACTIONS_CLI, `the transaction counts cannot be read: ${(err as Error).message}`);
    process.stderr.write(`mi: ${e.code}  ${e.message}\n`);
    process.exitCode = 1;
  } finally {
    for (const l of logs.lines) if (l.level === 'WARN' || l.level === 'ERROR') process.stderr.write(`mi: ${l.message}\n`);
  }
}

export function registerTransactionsCommand(program: Command): void {
  program
    .command('transactions')
    .description('requests counted into proxy services and APIs, per month (or per hour), read from the counts database; no server needed')
    .option('--home <dir>', 'home folder', '.')
    .option('--from <date>', 'first day, YYYY-MM-DD (UTC; default: the first of this month)')
    .option('--to <date>', 'last day, YYYY-MM-DD (UTC; default: today)')
    .option('--hourly', 'print every hour instead of month totals')
    .option('--json', 'print JSON')
    .action((o: TransactionsOptions) => transactionsCommand(o));
}
