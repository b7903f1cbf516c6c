/**
 * `[extensions]` in deployment.toml: how long a handler or class mediator may take. Read once, when the runtime
 * is built (a bad value stops the start), and used only on the path where a hook returned a Promise.
 */
import type { ExtensionSettings } from '../context/message-runtime.js';
import { Errors, MiError } from '../errors.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

export type { ExtensionSettings } from '../context/message-runtime.js';

const KNOWN = new Set(['timeout']);

export function readExtensionSettings(toml: Record<string, unknown>): ExtensionSettings {
  const t = toml['extensions'];
  if (t === undefined) return { timeoutMs: DEFAULT_TIMEOUT_MS };
  if (!t || typeof t !== 'object' || Array.isArray(t)) throw new MiError(Errors.CONFIG_VALUE, '[extensions] must be a table');
  const table = t as Record<string, unknown>;
  for (const k of Object.keys(table)) {
    if (!KNOWN.has(k)) throw new MiError(Errors.CONFIG_VALUE, `[extensions] ${k} is not a known key; known keys: ${[...KNOWN].join(', ')}`);
  }
  const v = table['timeout'];
  if (v === undefined) return { timeoutMs: DEFAULT_TIMEOUT_MS };
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 2_147_483_647) {
    throw new MiError(Errors.CONFIG_VALUE, `[extensions] timeout must be a whole number of milliseconds >= 1, got ${JSON.stringify(v)}`);
  }
  return { timeoutMs: n };
}
