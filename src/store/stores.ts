/**
 * The databases a server uses, opened and migrated at start. IMPLEMENTATION PENDING (users/databases work).
 */
import type { Config } from '../config/config.js';
import type { LoggerFactory } from '../logging/logger.js';
import type { Database } from './database.js';

export interface Stores {
  /** The database behind the user store: `[user_store] data_source` (or `[realm_manager] data_source`, or the `WSO2CarbonDB` datasource), else the embedded SQLite file. */
  readonly users: Database;
  /** A database by `[[datasource]]` id, opened and migrated on first use; undefined id = the embedded one. */
  database(id?: string): Promise<Database>;
  close(): Promise<void>;
}

/** Opens and migrates the databases the configuration needs; throws MiError when one cannot be reached. */
export async function openStores(_config: Config, _logs: LoggerFactory): Promise<Stores> {
  throw new Error('not implemented yet');
}
