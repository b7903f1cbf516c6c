/**
 * The correlation id of the request being handled, for %X{Correlation-ID} in any log line written while
 * it is mediated (AsyncLocalStorage follows the request across awaits).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export const CORRELATION_KEY = 'Correlation-ID';

const store = new AsyncLocalStorage<Record<string, string>>();

export function withCorrelation<T>(id: string, fn: () => T): T {
  return store.run({ [CORRELATION_KEY]: id }, fn);
}

export function currentLogContext(): Record<string, string> | undefined {
  return store.getStore();
}
