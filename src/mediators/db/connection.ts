/**
 * The <connection><pool> of dblookup and dbreport (Synapse's AbstractDBMediatorFactory.buildDataSource):
 * either <dsName> naming a `[[datasource]]` of deployment.toml (by id, or by its jndi_config.name), or
 * <driver>, <url>, <user>, <password> with <property name value> pool settings. Checked when the artifact
 * deploys; the pool itself opens on the first message (runtime.resources, one per distinct connection).
 */
import type { ParseContext } from '../../artifacts/parse-context.js';
import type { MessageContext } from '../../context/message-context.js';
import { Errors, MiError } from '../../errors.js';
import { datasourceFrom, DEFAULT_POOL, type DatasourceConfig } from '../../store/datasource-config.js';
import { SqlPool, sqlTargetKey, type Isolation, type SqlTarget } from '../../store/sql-pool.js';
import { childElements, textOf } from '../../xml/dom.js';

/** The Java drivers Micro Integrator artifacts name, by the database they reach. */
const DRIVERS: Record<string, 'postgres' | 'mysql'> = {
  'org.postgresql.Driver': 'postgres',
  'com.mysql.jdbc.Driver': 'mysql',
  'com.mysql.cj.jdbc.Driver': 'mysql',
  'org.mariadb.jdbc.Driver': 'mysql',
};

/** Commons DBCP's defaults (Synapse's DataSourceInformation): 8 active connections. */
const DEFAULT_MAX_ACTIVE = 8;
/** maxactive <= 0 means "no limit" in DBCP; a pool still needs a bound. */
const NO_LIMIT = 1000;

const ISOLATION: Record<string, Isolation | undefined> = {
  'Connection.TRANSACTION_NONE': undefined,
  'Connection.TRANSACTION_READ_COMMITTED': 'READ COMMITTED',
  'Connection.TRANSACTION_READ_UNCOMMITTED': 'READ UNCOMMITTED',
  'Connection.TRANSACTION_REPEATABLE_READ': 'REPEATABLE READ',
  'Connection.TRANSACTION_SERIALIZABLE': 'SERIALIZABLE',
};

export class DbConnection {
  constructor(
    readonly dialect: 'postgres' | 'mysql',
    /** The shared-resource key of the pool. */
    readonly key: string,
    /** Synapse's getDSName(): the dsName, or the JDBC url (its password parameter masked), for messages. */
    readonly label: string,
    private readonly target: SqlTarget,
    /** A [secrets] alias the password names, resolved when the pool opens. */
    private readonly passwordAlias: string | undefined,
    private readonly logger: string,
    private readonly lookedUp: boolean,
  ) {}

  /** The pool, opened on first use and shared by every mediator using the same connection. */
  pool(mc: MessageContext): SqlPool {
    return mc.runtime.resources.get(this.key, () => {
      const alias = this.passwordAlias;
      const target = alias === undefined ? this.target : { ...this.target, password: () => mc.runtime.lookupSecret(alias) };
      const log = mc.runtime.logs.get(this.logger);
      log.info(this.lookedUp ? `Successfully looked up datasource ${this.label}.` : `Successfully created data source for ${this.label}.`);
      return new SqlPool(target, log);
    });
  }
}

type Fail = (message: string) => never;

/** Parses <connection> of `el`; `logger` is the mediator's logger name. */
export function parseConnection(el: Element, ctx: ParseContext, logger: string): DbConnection {
  const connection = childElements(el).find((c) => c.localName === 'connection');
  const pool = connection ? childElements(connection).find((c) => c.localName === 'pool') : undefined;
  const at = pool ?? connection ?? el;
  const fail: Fail = (message) => ctx.fail(at, Errors.DB_CONNECTION_CONFIG, message);
  const child = (name: string): Element | undefined => (pool ? childElements(pool).find((c) => c.localName === name) : undefined);
  if (pool && child('dsName')) return lookedUp(pool, child, ctx, fail, logger);
  if (pool && child('driver')) return inline(pool, child, ctx, fail, logger);
  return fail('The DataSource connection information must be specified for using a custom DataSource connection pool or for a JNDI lookup: give <connection><pool> with <dsName> or <driver>, <url>, <user>, <password>');
}

function lookedUp(pool: Element, child: (n: string) => Element | undefined, ctx: ParseContext, fail: Fail, logger: string): DbConnection {
  const name = textOf(child('dsName')!).trim();
  if (child('icClass')) fail(`<icClass>: looking up '${name}' in an external JNDI provider is not supported; declare it as a [[datasource]] in deployment.toml and name its id in <dsName>`);
  const ds = ctx.mediators.datasource?.(name);
  if (ds === undefined) fail(`Cannot find a DataSource ${name}: no [[datasource]] in deployment.toml has id (or jndi_config.name) '${name}'`);
  if (ds instanceof MiError) fail(`the [[datasource]] '${name}' cannot be used: ${ds.message}`);
  const d = ds as DatasourceConfig;
  if (d.dialect === 'sqlite') fail(`the [[datasource]] '${name}' is a SQLite file; dblookup and dbreport reach PostgreSQL, MySQL and MariaDB`);
  const s = d as Exclude<DatasourceConfig, { dialect: 'sqlite' }>;
  // pool <property> children are not read for a looked-up datasource (Synapse ignores them); the entry's pool_options apply
  for (const p of childElements(pool)) if (p.localName === 'property') ctx.attrs(p, ['name', 'value']);
  const target: SqlTarget = {
    ...serverOf(s),
    max: s.pool.max,
    maxIdle: s.pool.maxIdle,
    maxWaitMs: s.pool.acquireTimeoutMs,
    idleTimeoutMs: s.pool.idleTimeoutMs,
    autocommit: true,
    description: s.description,
  };
  const key = sqlTargetKey(target);
  ctx.useResource(key);
  return new DbConnection(s.dialect, key, name, target, undefined, logger, true);
}

/** Where a server datasource is and who logs in: the part of a pool target both connection forms share. */
function serverOf(s: Exclude<DatasourceConfig, { dialect: 'sqlite' }>): Pick<SqlTarget, 'dialect' | 'host' | 'port' | 'database' | 'user' | 'password' | 'tls' | 'schema'> {
  return { dialect: s.dialect, host: s.host, port: s.port, database: s.database, user: s.user, password: s.password, tls: s.tls, schema: s.schema };
}

/** The text of <driver>, <url>, <user> or <password>: a `key` (registry) is refused, `$SYSTEM:NAME` reads the environment. */
function value(child: (n: string) => Element | undefined, name: string, fail: Fail): string {
  const e = child(name);
  if (!e) fail(`Unable to read configuration value for : <${name}>; an inline connection needs <driver>, <url>, <user> and <password>`);
  if (e!.hasAttribute('key')) fail(`<${name} key="${e!.getAttribute('key')}">: registry resources are not supported; write the value in the element`);
  const text = textOf(e!).trim();
  const sys = /^\$SYSTEM:(.+)$/.exec(text);
  if (!sys) return text;
  const v = process.env[sys[1]!];
  if (v === undefined) fail(`<${name}> reads $SYSTEM:${sys[1]}, which is not set in the environment`);
  return v!;
}

function inline(pool: Element, child: (n: string) => Element | undefined, ctx: ParseContext, fail: Fail, logger: string): DbConnection {
  const driver = value(child, 'driver', fail);
  const url = value(child, 'url', fail);
  const user = value(child, 'user', fail);
  const password = value(child, 'password', fail);
  const dialect = DRIVERS[driver];
  if (!dialect) fail(`the JDBC driver '${driver}' is not supported; dblookup and dbreport reach PostgreSQL (org.postgresql.Driver) and MySQL / MariaDB (com.mysql.cj.jdbc.Driver, com.mysql.jdbc.Driver, org.mariadb.jdbc.Driver)`);
  let ds: DatasourceConfig;
  try {
    ds = datasourceFrom({ id: 'inline', url, username: user, password }, ctx.home, []);
  } catch (err) {
    if (!(err instanceof MiError)) throw err;
    return fail(err.message.replace('[[datasource]] inline: ', `<url> ${maskPassword(url)}: `));
  }
  if (ds.dialect !== dialect) fail(`the driver ${driver} does not match the url ${maskPassword(url)}`);
  const s = ds as Exclude<DatasourceConfig, { dialect: 'sqlite' }>;
  const props = poolProperties(pool, ctx);
  const alias = ctx.mediators.knownSecretAlias?.(password) ? password : undefined;
  const label = maskPassword(url);
  const target: SqlTarget = {
    ...serverOf(s),
    max: props.max,
    maxIdle: props.maxIdle,
    maxWaitMs: props.maxWaitMs,
    idleTimeoutMs: DEFAULT_POOL.idleTimeoutMs,
    autocommit: props.autocommit,
    isolation: props.isolation,
    validationQuery: props.validationQuery,
    description: s.description.replace(' ([[datasource]] inline)', ` (${label})`),
  };
  const key = sqlTargetKey(alias === undefined ? target : { ...target, password: () => `alias:${alias}` });
  ctx.useResource(key);
  return new DbConnection(dialect, key, label, target, alias, logger, false);
}

interface PoolProps {
  max: number;
  maxIdle: number | undefined;
  maxWaitMs: number;
  autocommit: boolean;
  isolation: Isolation | undefined;
  validationQuery: string | undefined;
}

/**
 * The <property name value> pool settings Synapse's readPoolProperty reads. Those that map are honoured:
 * autocommit, isolation, maxactive, maxidle (MySQL), maxwait, validationquery (with testonborrow, DBCP's
 * default); initialsize, minidle, maxopenstatements, poolstatements, testonreturn and testwhileidle are
 * accepted and have no effect. As in Synapse, a value that does not parse and an unknown name are ignored.
 */
function poolProperties(pool: Element, ctx: ParseContext): PoolProps {
  const p: PoolProps = { max: DEFAULT_MAX_ACTIVE, maxIdle: undefined, maxWaitMs: DEFAULT_POOL.acquireTimeoutMs, autocommit: true, isolation: undefined, validationQuery: undefined };
  let testOnBorrow = true;
  let validation: string | undefined;
  const int = (v: string): number | undefined => (/^[+-]?\d+$/.test(v.trim()) ? Number(v.trim()) : undefined);
  for (const e of childElements(pool)) {
    if (e.localName !== 'property') continue;
    const a = ctx.attrs(e, ['name', 'value']);
    const name = a.get('name');
    const v = a.get('value');
    if (name === undefined || v === undefined) ctx.fail(e, Errors.DB_CONNECTION_CONFIG, 'a pool <property> needs name and value');
    switch (name) {
      case 'autocommit':
        if (v === 'true' || v === 'false') p.autocommit = v === 'true';
        break;
      case 'isolation':
        if (v! in ISOLATION) p.isolation = ISOLATION[v!];
        break;
      case 'maxactive': {
        const n = int(v!);
        if (n !== undefined) p.max = n <= 0 ? NO_LIMIT : n;
        break;
      }
      case 'maxidle': {
        const n = int(v!);
        if (n !== undefined) p.maxIdle = Math.max(0, n);
        break;
      }
      case 'maxwait': {
        const n = int(v!);
        if (n !== undefined) p.maxWaitMs = Math.max(0, n);
        break;
      }
      case 'testonborrow':
        if (v === 'true' || v === 'false') testOnBorrow = v === 'true';
        break;
      case 'validationquery':
        validation = v;
        break;
    }
  }
  if (testOnBorrow && validation) p.validationQuery = validation;
  return p;
}

/** A JDBC url for messages: a password parameter (user:password@ too) masked. */
function maskPassword(url: string): string {
  return url.replace(/([?&;](?:password|pwd)=)[^&;]*/gi, '$1*****').replace(/(\/\/[^/@:]+:)[^/@]*@/, '$1*****@');
}
