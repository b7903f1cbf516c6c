/**
 * Users and roles in a database (embedded SQLite, PostgreSQL or MySQL/MariaDB; tables in
 * src/store/schema.ts). Names of users and roles are case-insensitive: rows are keyed by the lower-cased
 * name and keep the name as first written for display. Passwords are scrypt hashes (password-hash.ts); one
 * made with weaker parameters is rewritten at the user's next successful login.
 * Every failure of the database itself rejects with MI_DB_003, which authentication turns into a
 * fail-closed 'unavailable'.
 */
import type { Kysely, Transaction } from 'kysely';
import { Errors, MiError } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { Database } from '../../store/database.js';
import { databaseStep } from '../../store/database-step.js';
import { connectionCause } from '../../store/open-database.js';
import type { DatabaseSchema } from '../../store/schema.js';
import type { CredentialRules } from './credential-rules.js';
import { dummyVerification, hashPassword, isOutdated, verifyPassword } from './password-hash.js';
import type { UserStoreSettings } from './user-store-config.js';
import type { UserInfo, WritableUserStore } from './user-store.js';

export interface DatabaseUserStoreOptions {
  readonly rules: CredentialRules;
  /** The admin role (`admin`, or `[super_admin] admin_role`). */
  readonly adminRole: string;
  /** The `[super_admin]` user: it cannot be deleted nor lose the admin role. */
  readonly superAdminName?: string;
  /** True when the running server must not change users (`[user_store] read_only`); `mi user` opens it writable. */
  readonly readOnly?: boolean;
  /** Where a hash that could not be upgraded is reported. */
  readonly log?: Logger;
}

type Db = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

function key(name: string): string {
  return name.toLowerCase();
}

/** A duplicate primary key, in the words of each driver. */
function isDuplicate(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505' || code === 'ER_DUP_ENTRY';
}

/** A user_roles row pointing at a role deleted meanwhile. */
function isMissingReference(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503' || code === 'ER_NO_REFERENCED_ROW_2' || code === 'ER_NO_REFERENCED_ROW';
}

export class DatabaseUserStore implements WritableUserStore {
  readonly kind = 'database' as const;
  readonly hashed = true;
  readonly readOnly: boolean;
  private readonly adminKey: string;

  constructor(
    private readonly database: Database,
    private readonly options: DatabaseUserStoreOptions,
  ) {
    this.readOnly = options.readOnly === true;
    this.adminKey = key(options.adminRole);
  }

  /**
   * The store for these settings on an open (migrated) database: makes sure the admin role exists and
   * creates the `[super_admin]` user with it when absent (a password changed later in the toml does not
   * change the stored one: use `mi user passwd`).
   */
  static async open(database: Database, settings: UserStoreSettings, log?: Logger, opts: { writable?: boolean } = {}): Promise<DatabaseUserStore> {
    const store = new DatabaseUserStore(database, {
      rules: settings.rules,
      adminRole: settings.adminRole,
      superAdminName: settings.superAdminName,
      readOnly: settings.readOnly && !opts.writable,
      log,
    });
    await store.ensureRole(settings.adminRole);
    const sa = settings.superAdmin;
    if (sa && !(await store.user(sa.name))) {
      try {
        await store.addUser(sa.name, sa.password(), [settings.adminRole]);
        log?.info(`created the [super_admin] user '${sa.name}' with the role '${settings.adminRole}' in ${database.description}`);
      } catch (err) {
        // another node starting at the same moment made it first
        if (!(err instanceof MiError && err.code === Errors.USER_EXISTS.code)) throw err;
      }
    }
    return store;
  }

  get adminRole(): string {
    return this.options.adminRole;
  }

  get description(): string {
    return this.database.description;
  }

  private get db(): Kysely<DatabaseSchema> {
    return this.database.db;
  }

  /** Runs a database step; a failure of the database itself becomes MI_DB_003 (503) naming it. */
  private run<T>(what: string, step: () => Promise<T>): Promise<T> {
    return databaseStep(Errors.DB_UNAVAILABLE, `user store ${this.database.description}`, what, step);
  }

  private info(name: string, roles: string[], roleKeys: readonly string[]): UserInfo {
    return { name, roles, isAdmin: roleKeys.includes(this.adminKey), source: 'database' };
  }

  private async rolesOf(db: Db, userKey: string): Promise<{ names: string[]; keys: string[] }> {
    const rows = await db
      .selectFrom('mi_user_roles')
      .innerJoin('mi_roles', 'mi_roles.name_key', 'mi_user_roles.role_key')
      .select(['mi_roles.name_key', 'mi_roles.name'])
      .where('mi_user_roles.user_key', '=', userKey)
      .orderBy('mi_roles.name_key')
      .execute();
    return { names: rows.map((r) => r.name), keys: rows.map((r) => r.name_key) };
  }

  async verify(name: string, password: string): Promise<boolean> {
    const row = await this.run('read the user', () =>
      this.db.selectFrom('mi_users').select('password_hash').where('name_key', '=', key(name)).executeTakeFirst(),
    );
    if (!row) return dummyVerification(password);
    if (!(await verifyPassword(password, row.password_hash))) return false;
    if (isOutdated(row.password_hash)) await this.upgradeHash(name, password, row.password_hash);
    return true;
  }

  /**
   * Rewrites a hash made with weaker parameters now that the password is known to be right. Only the row
   * still holding that old hash is changed, so a password set meanwhile wins. A failure leaves the old hash,
   * which keeps working: the login goes on and the next one tries again.
   */
  private async upgradeHash(name: string, password: string, old: string): Promise<void> {
    try {
      const hash = await hashPassword(password);
      await this.db.updateTable('mi_users').set({ password_hash: hash }).where('name_key', '=', key(name)).where('password_hash', '=', old).execute();
    } catch (err) {
      this.options.log?.warn(`${Errors.PASSWORD_HASH_UPGRADE.code}  the password hash of user '${name}' in ${this.database.description} could not be upgraded to the current scrypt parameters (${connectionCause(err)}); it keeps working and the next login tries again`);
    }
  }

  async user(name: string): Promise<UserInfo | undefined> {
    return this.run('read the user', async () => {
      const row = await this.db.selectFrom('mi_users').select(['name', 'name_key']).where('name_key', '=', key(name)).executeTakeFirst();
      if (!row) return undefined;
      const roles = await this.rolesOf(this.db, row.name_key);
      return this.info(row.name, roles.names, roles.keys);
    });
  }

  async users(): Promise<UserInfo[]> {
    return this.run('list users', async () => {
      const rows = await this.db
        .selectFrom('mi_users')
        .leftJoin('mi_user_roles', 'mi_user_roles.user_key', 'mi_users.name_key')
        .leftJoin('mi_roles', 'mi_roles.name_key', 'mi_user_roles.role_key')
        .select(['mi_users.name_key as user_key', 'mi_users.name as user_name', 'mi_roles.name_key as role_key', 'mi_roles.name as role_name'])
        .orderBy('mi_users.name_key')
        .orderBy('mi_roles.name_key')
        .execute();
      const byUser = new Map<string, { name: string; roles: string[]; keys: string[] }>();
      for (const r of rows) {
        let u = byUser.get(r.user_key);
        if (!u) byUser.set(r.user_key, (u = { name: r.user_name, roles: [], keys: [] }));
        if (r.role_key !== null && r.role_name !== null) {
          u.roles.push(r.role_name);
          u.keys.push(r.role_key);
        }
      }
      return [...byUser.values()].map((u) => this.info(u.name, u.roles, u.keys));
    });
  }

  async roles(): Promise<string[]> {
    return this.run('list roles', async () => {
      const rows = await this.db.selectFrom('mi_roles').select('name').orderBy('name_key').execute();
      return rows.map((r) => r.name);
    });
  }

  /** The stored names of these roles (in the order given); throws MI_USR_006 naming the ones that do not exist. */
  private async existingRoles(db: Db, roles: readonly string[]): Promise<Map<string, string>> {
    const keys = [...new Set(roles.map(key))];
    if (keys.length === 0) return new Map();
    const rows = await db.selectFrom('mi_roles').select(['name_key', 'name']).where('name_key', 'in', keys).execute();
    const found = new Map(rows.map((r) => [r.name_key, r.name]));
    const missing = roles.filter((r) => !found.has(key(r)));
    if (missing.length) {
      throw new MiError(Errors.ROLE_NOT_FOUND, `no role ${missing.map((r) => `'${r}'`).join(', ')}; create ${missing.length > 1 ? 'them' : 'it'} first with \`mi role add ${missing[0]}\``);
    }
    return found;
  }

  async addUser(name: string, password: string, roles: readonly string[]): Promise<UserInfo> {
    this.options.rules.checkUserName(name);
    this.options.rules.checkPassword(password);
    // hashing takes a tenth of a second: do it before holding a transaction (and SQLite's write lock)
    const hash = await hashPassword(password);
    const userKey = key(name);
    return this.run('add the user', async () => {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const existing = await trx.selectFrom('mi_users').select('name').where('name_key', '=', userKey).executeTakeFirst();
          if (existing) throw new MiError(Errors.USER_EXISTS, `user '${existing.name}' already exists (user names are case-insensitive)`);
          const found = await this.existingRoles(trx, roles);
          await trx.insertInto('mi_users').values({ name_key: userKey, name, password_hash: hash, created_at: new Date().toISOString() }).execute();
          const roleKeys = [...found.keys()].sort();
          if (roleKeys.length) await trx.insertInto('mi_user_roles').values(roleKeys.map((role_key) => ({ user_key: userKey, role_key }))).execute();
          return this.info(name, roleKeys.map((k) => found.get(k)!), roleKeys);
        });
      } catch (err) {
        if (isDuplicate(err)) throw new MiError(Errors.USER_EXISTS, `user '${name}' already exists (user names are case-insensitive)`);
        if (isMissingReference(err)) throw new MiError(Errors.ROLE_NOT_FOUND, `a role of '${name}' was deleted meanwhile; try again`);
        throw err;
      }
    });
  }

  private refuseIfSuperAdmin(name: string, what: string): void {
    const sa = this.options.superAdminName;
    if (sa && key(sa) === key(name)) {
      throw new MiError(Errors.USER_PROTECTED, `'${name}' is the [super_admin] user of deployment.toml: ${what}`);
    }
  }

  async deleteUser(name: string): Promise<boolean> {
    this.refuseIfSuperAdmin(name, 'it cannot be deleted');
    const userKey = key(name);
    return this.run('delete the user', () =>
      this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('mi_user_roles').where('user_key', '=', userKey).execute();
        // the user's management API tokens go with it, on every node sharing this database (mi user delete too)
        await trx.deleteFrom('mi_management_tokens').where('user_key', '=', userKey).execute();
        const r = await trx.deleteFrom('mi_users').where('name_key', '=', userKey).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      }),
    );
  }

  async setPassword(name: string, password: string): Promise<void> {
    this.options.rules.checkPassword(password);
    const hash = await hashPassword(password);
    const r = await this.run('change the password', () =>
      this.db.updateTable('mi_users').set({ password_hash: hash }).where('name_key', '=', key(name)).executeTakeFirst(),
    );
    // MySQL counts changed rows, and a new salt always changes the row
    if (Number(r.numUpdatedRows) === 0) throw new MiError(Errors.USER_NOT_FOUND, `no user '${name}'`);
  }

  /** Adds a role unless it exists (used for the admin role at start). */
  private async ensureRole(role: string): Promise<void> {
    try {
      await this.addRole(role);
    } catch (err) {
      if (!(err instanceof MiError && err.code === Errors.ROLE_EXISTS.code)) throw err;
    }
  }

  async addRole(role: string): Promise<void> {
    this.options.rules.checkRoleName(role);
    const roleKey = key(role);
    await this.run('add the role', async () => {
      const existing = await this.db.selectFrom('mi_roles').select('name').where('name_key', '=', roleKey).executeTakeFirst();
      if (existing) throw new MiError(Errors.ROLE_EXISTS, `role '${existing.name}' already exists (role names are case-insensitive)`);
      try {
        await this.db.insertInto('mi_roles').values({ name_key: roleKey, name: role }).execute();
      } catch (err) {
        if (isDuplicate(err)) throw new MiError(Errors.ROLE_EXISTS, `role '${role}' already exists (role names are case-insensitive)`);
        throw err;
      }
    });
  }

  async deleteRole(role: string): Promise<boolean> {
    const roleKey = key(role);
    if (roleKey === this.adminKey) throw new MiError(Errors.USER_PROTECTED, `'${role}' is the admin role: it cannot be deleted`);
    return this.run('delete the role', () =>
      this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('mi_user_roles').where('role_key', '=', roleKey).execute();
        const r = await trx.deleteFrom('mi_roles').where('name_key', '=', roleKey).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      }),
    );
  }

  async updateRoles(name: string, add: readonly string[], remove: readonly string[]): Promise<readonly string[]> {
    if (remove.some((r) => key(r) === this.adminKey)) this.refuseIfSuperAdmin(name, `the role '${this.options.adminRole}' cannot be taken from it`);
    const userKey = key(name);
    return this.run('change the roles', async () => {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const user = await trx.selectFrom('mi_users').select('name').where('name_key', '=', userKey).executeTakeFirst();
          if (!user) throw new MiError(Errors.USER_NOT_FOUND, `no user '${name}'`);
          // every named role must exist: a typo in a removal must not pass silently
          await this.existingRoles(trx, [...add, ...remove]);
          const removeKeys = [...new Set(remove.map(key))];
          if (removeKeys.length) await trx.deleteFrom('mi_user_roles').where('user_key', '=', userKey).where('role_key', 'in', removeKeys).execute();
          const current = new Set((await this.rolesOf(trx, userKey)).keys);
          const addKeys = [...new Set(add.map(key))].filter((k) => !current.has(k));
          if (addKeys.length) await trx.insertInto('mi_user_roles').values(addKeys.map((role_key) => ({ user_key: userKey, role_key }))).execute();
          return (await this.rolesOf(trx, userKey)).names;
        });
      } catch (err) {
        if (isMissingReference(err)) throw new MiError(Errors.ROLE_NOT_FOUND, `a role was deleted meanwhile; try again`);
        throw err;
      }
    });
  }
}
