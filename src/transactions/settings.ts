/**
 * `[transaction_counter]` as in Micro Integrator (TransactionCountHandlerComponent): off by default;
 * `data_source` names a `[[datasource]]` (here it may be left out for the embedded SQLite database);
 * `update_interval` is in minutes (default 1) — how often the counts reach the database.
 */
import { Errors, MiError } from '../errors.js';

export interface TransactionSettings {
  readonly enable: boolean;
  /** undefined = the embedded database. */
  readonly dataSource: string | undefined;
  readonly updateIntervalMs: number;
}

const KNOWN = ['enable', 'data_source', 'update_interval'];

export function transactionSettings(toml: Record<string, unknown>, warnings: string[] = []): TransactionSettings {
  const raw = toml['transaction_counter'];
  const t = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  for (const k of Object.keys(t)) {
    if (!KNOWN.includes(k)) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  unknown key [transaction_counter] ${k} is ignored; known keys: ${KNOWN.join(', ')}`);
  }
  const enable = t['enable'] === true || t['enable'] === 'true';
  if (t['enable'] !== undefined && typeof t['enable'] !== 'boolean' && t['enable'] !== 'true' && t['enable'] !== 'false') {
    throw new MiError(Errors.CONFIG_VALUE, `[transaction_counter] enable must be true or false, got ${JSON.stringify(t['enable'])}`);
  }
  const ds = t['data_source'];
  if (ds !== undefined && (typeof ds !== 'string' || ds.trim() === '')) {
    throw new MiError(Errors.CONFIG_VALUE, `[transaction_counter] data_source must be the id of a [[datasource]], got ${JSON.stringify(ds)}`);
  }
  const iv = t['update_interval'] ?? 1;
  const minutes = typeof iv === 'string' && /^\d+(\.\d+)?$/.test(iv.trim()) ? Number(iv) : iv;
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0) {
    throw new MiError(Errors.CONFIG_VALUE, `[transaction_counter] update_interval is in minutes and must be a number > 0, got ${JSON.stringify(iv)}`);
  }
  return { enable, dataSource: ds as string | undefined, updateIntervalMs: Math.max(1000, Math.round(minutes * 60_000)) };
}
