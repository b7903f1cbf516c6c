/**
 * Micro Integrator's list shape `{"count": N, "list": [...]}` with its `?searchKey=` filter (a
 * case-insensitive part of the name), and the artifact source for the `configuration` field of details.
 */
import { readFileSync } from 'node:fs';

export interface ListBody<T> {
  readonly count: number;
  readonly list: T[];
}

export type Query = Record<string, string | undefined>;

export function listOf<T>(items: Iterable<T>, nameOf: (t: T) => string, query: Query): ListBody<T> {
  const key = query['searchKey']?.trim().toLowerCase();
  const list = [...items].filter((t) => !key || nameOf(t).toLowerCase().includes(key));
  return { count: list.length, list };
}

/** `scheme://user:password@` in a URI: the password is masked wherever a configuration is shown. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s"'<>]+:)[^@/\s"'<>]+@/gi;

/** The artifact's XML as deployed from its file (URL passwords masked); undefined for built-ins or a file gone since. */
export function configurationOf(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim().replace(URL_PASSWORD, '$1*****@');
  } catch {
    return undefined;
  }
}

/** Micro Integrator reports statistics and tracing per artifact; this runtime collects no statistics (tracing: tracingOf). */
export const ASPECTS = { stats: 'disabled', tracing: 'disabled' } as const;

/** An API's or proxy's `trace="enable"` (its mediator spans when OpenTelemetry tracing is on), as MI shows it. */
export function tracingOf(artifact: { readonly trace?: boolean }): 'enabled' | 'disabled' {
  return artifact.trace ? 'enabled' : 'disabled';
}
