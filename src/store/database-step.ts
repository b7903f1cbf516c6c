/**
 * One step of a store against its database. A failure of the database itself (not an MiError the step
 * threw on purpose) becomes `spec`, naming the store and what it could not do, with the driver's cause in
 * words a user can act on.
 */
import { MiError, type ErrorSpec } from '../errors.js';
import { connectionCause } from './open-database.js';

export async function databaseStep<T>(spec: ErrorSpec, store: string, what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof MiError) throw err;
    throw new MiError(spec, `${store}: cannot ${what}: ${connectionCause(err)}`, { cause: err });
  }
}
