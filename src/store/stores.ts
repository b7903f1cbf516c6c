/**
 * The databases a server uses. The user store's database is opened and migrated at start (a failure stops
 * the start with MI_DB_003 naming host, port and database); any other `[[datasource]]` is opened on first
 * use, so a datasource declared for something else costs nothing and cannot stop the server.
 */
import type { Config } from '../config/config.js';
import { Errors, MiError } from '../errors.js';
import type { LoggerFactory } from '../logging/logger.js';
import { userStoreSettings } from '../security/auth/user-store-config.js';
import type { Database } from './database.js';
import { datasourcesFrom, embeddedDatasource, EMBEDDED_ID, type DatasourceConfig } from './datasource-config.js';
import { openDatabase } from './open-database.js';

export interface Stores {
  /** The database behind the user store: `[user_store] data_source` (or `[realm_manager] data_source`, or the `WSO2CarbonDB` datasource), else the embedded SQLite file. */
  readonly users: Database;
  /** A database by `[[datasource]]` id, opened and migrated on first use; undefined id = the embedded one. */
  database(id?: string): Promise<Database>;
  /** The databases opened so far (the user store's first), for the readiness probe; none is opened by asking. */
  opened(): readonly Database[];
  close(): Promise<void>;
}

const LOGGER = 'org.wso2.micro.integrator.ndatasource.core.DataSourceRepository';

/** Micro Integrator's conventional id for the user store / registry database. */
export const CARBON_DB_ID = 'WSO2CarbonDB';

/**
 * What `mi validate` can tell about the user store and datasources without connecting: the same checks
 * `openStores` makes before it opens anything, as `CODE  message` lines (warnings included).
 */
export function storeConfigProblems(config: Config): string[] {
  const problems: string[] = [];
  const check = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (err) {
      if (!(err instanceof MiError)) throw err;
      problems.push(`${err.code}  ${err.message}`);
      return undefined;
    }
  };
  const settings = check(() => userStoreSettings(config.toml));
  const declared = check(() => datasourcesFrom(config.toml, config.home, problems));
  if (!declared) return problems;
  const usersId = settings?.dataSource ?? (declared.has(CARBON_DB_ID) ? CARBON_DB_ID : EMBEDDED_ID);
  for (const [id, ds] of declared) {
    if (ds instanceof MiError) problems.push(`${ds.code}  ${ds.message}${id === usersId ? '' : '; it is ignored until something uses it'}`);
  }
  if (usersId !== EMBEDDED_ID && !declared.has(usersId)) {
    problems.push(`${Errors.DATASOURCE_UNKNOWN.code}  the user store's data_source '${usersId}' is not the id of any [[datasource]]`);
  }
  return problems;
}

/** Opens and migrates the databases the configuration needs; throws MiError when one cannot be reached. */
export async function openStores(config: Config, logs: LoggerFactory): Promise<Stores> {
  const log = logs.get(LOGGER);
  const settings = userStoreSettings(config.toml);
  const warnings: string[] = [];
  const declared = datasourcesFrom(config.toml, config.home, warnings);
  for (const w of warnings) log.warn(w);
  const usersId = settings.dataSource ?? (declared.has(CARBON_DB_ID) ? CARBON_DB_ID : EMBEDDED_ID);
  const opened = new Map<string, Promise<Database>>();
  const usable = new Map<string, Database>();
  let closed = false;

  const settingsOf = (id: string): DatasourceConfig => {
    if (id === EMBEDDED_ID && !declared.has(id)) return embeddedDatasource(config.home);
    const ds = declared.get(id);
    if (ds === undefined) {
      const known = [...declared.keys()];
      throw new MiError(Errors.DATASOURCE_UNKNOWN, `no [[datasource]] has id '${id}'${known.length ? `; declared: ${known.join(', ')}` : '; none is declared'}`);
    }
    if (ds instanceof MiError) throw ds;
    return ds;
  };

  const database = (id: string = EMBEDDED_ID): Promise<Database> => {
    if (closed) return Promise.reject(new MiError(Errors.DB_UNAVAILABLE, 'the databases are closed: the server is stopping'));
    let p = opened.get(id);
    if (!p) {
      p = (async () => {
        const ds = settingsOf(id);
        if (ds.ignoredParams.length) log.warn(`${Errors.CONFIG_UNKNOWN_KEY.code}  [[datasource]] ${id}: URL parameters ${ds.ignoredParams.join(', ')} are ignored`);
        const db = await openDatabase(ds, log);
        log.info(`opened ${db.description}`);
        usable.set(id, db);
        return db;
      })();
      // a failed open is not cached: the next use tries again (the database may be back)
      p.catch(() => opened.delete(id));
      opened.set(id, p);
    }
    return p;
  };

  // a datasource that something references but cannot be used is worth a warning now, not at first use
  for (const [id, ds] of declared) {
    if (ds instanceof MiError && id !== usersId) log.warn(`${ds.code}  ${ds.message}; it is ignored until something uses it`);
  }
  const users = await database(usersId);
  return {
    users,
    database,
    opened() {
      return [...usable.values()];
    },
    async close() {
      if (closed) return;
      closed = true;
      const all = await Promise.allSettled(opened.values());
      await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.close().catch(() => {}) : undefined)));
    },
  };
}
