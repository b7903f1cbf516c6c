/**
 * `mi user add|list|delete|passwd|roles`: manages the database user store of a home folder directly (the
 * server need not run; with SQLite it may, the file is shared safely). Passwords come from standard input
 * with --password-stdin, else from a prompt on the terminal, asked twice and never echoed. Output is one
 * short line per change, or one item per line for lists; errors are `mi: CODE  message` on standard error.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/config.js';
import { Errors, MiError } from '../errors.js';
import { memoryLoggerFactory } from '../logging/logger.js';
import { DatabaseUserStore } from '../security/auth/database-user-store.js';
import { userStoreSettings } from '../security/auth/user-store-config.js';
import { openStores, type Stores } from '../store/stores.js';
import { reportError } from './report-error.js';
import { readNewPassword } from './terminal-input.js';

export interface HomeOption {
  home: string;
}

/**
 * Opens the home's databases (migrating them if needed), runs `work`, closes them; failures as
 * `mi: CODE  message`, and the warnings the store logged on stderr. Every `mi` command on the database uses it.
 */
export async function withHomeStores(opts: HomeOption, work: (stores: Stores, config: Config, home: string) => Promise<void>): Promise<void> {
  const logs = memoryLoggerFactory();
  try {
    const home = path.resolve(opts.home);
    if (!existsSync(home)) throw new MiError(Errors.HOME_MISSING, `home folder ${home} does not exist`);
    const config = loadConfig(home);
    const stores = await openStores(config, logs);
    try {
      await work(stores, config, home);
    } finally {
      await stores.close();
    }
  } catch (err) {
    reportError(err);
  } finally {
    for (const l of logs.lines) if (l.level === 'WARN' || l.level === 'ERROR') process.stderr.write(`mi: ${l.message}\n`);
  }
}

/** Opens the home's user store, runs `work`, closes it (see withHomeStores). */
export function withUserStore(opts: HomeOption, work: (store: DatabaseUserStore) => Promise<void>): Promise<void> {
  return withHomeStores(opts, async (stores, config) => {
    // the operator's own tool: [user_store] read_only only stops the running server from changing users
    await work(await DatabaseUserStore.open(stores.users, userStoreSettings(config.toml), undefined, { writable: true }));
  });
}

function list(values: readonly string[]): string {
  return values.length ? values.join(', ') : 'none';
}

export async function userAddCommand(name: string, opts: HomeOption & { role?: string[]; passwordStdin?: boolean }): Promise<void> {
  await withUserStore(opts, async (store) => {
    const roles = opts.role ?? [];
    // check the name and the roles before asking for a password that would then be thrown away
    const existing = await store.user(name);
    if (existing) throw new MiError(Errors.USER_EXISTS, `user '${existing.name}' already exists (user names are case-insensitive)`);
    const known = new Set((await store.roles()).map((r) => r.toLowerCase()));
    const missing = roles.filter((r) => !known.has(r.toLowerCase()));
    if (missing.length) throw new MiError(Errors.ROLE_NOT_FOUND, `no role ${missing.map((r) => `'${r}'`).join(', ')}; create it first with \`mi role add ${missing[0]}\``);
    const password = await readNewPassword(opts, name);
    const user = await store.addUser(name, password, roles);
    process.stdout.write(`mi: added user ${user.name} (roles: ${list(user.roles)})\n`);
  });
}

export async function userListCommand(opts: HomeOption): Promise<void> {
  await withUserStore(opts, async (store) => {
    // one user per line: name, a tab, the roles comma-separated
    for (const u of await store.users()) process.stdout.write(`${u.name}\t${u.roles.join(',')}\n`);
  });
}

export async function userDeleteCommand(name: string, opts: HomeOption): Promise<void> {
  await withUserStore(opts, async (store) => {
    if (!(await store.deleteUser(name))) throw new MiError(Errors.USER_NOT_FOUND, `no user '${name}'`);
    process.stdout.write(`mi: deleted user ${name}\n`);
  });
}

export async function userPasswdCommand(name: string, opts: HomeOption & { passwordStdin?: boolean }): Promise<void> {
  await withUserStore(opts, async (store) => {
    if (!(await store.user(name))) throw new MiError(Errors.USER_NOT_FOUND, `no user '${name}'`);
    await store.setPassword(name, await readNewPassword(opts, name));
    process.stdout.write(`mi: changed the password of ${name}\n`);
  });
}

export async function userRolesCommand(name: string, opts: HomeOption & { add?: string[]; remove?: string[] }): Promise<void> {
  await withUserStore(opts, async (store) => {
    const add = opts.add ?? [];
    const remove = opts.remove ?? [];
    if (add.length === 0 && remove.length === 0) {
      const user = await store.user(name);
      if (!user) throw new MiError(Errors.USER_NOT_FOUND, `no user '${name}'`);
      for (const r of user.roles) process.stdout.write(`${r}\n`);
      return;
    }
    const roles = await store.updateRoles(name, add, remove);
    process.stdout.write(`mi: ${name} has roles: ${list(roles)}\n`);
  });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `mi user ...` on the program. */
export function registerUserCommand(program: Command): void {
  const user = program.command('user').description('manage users of the database user store (works without a running server)');
  user
    .command('add <name>')
    .description('add a user; the password is asked twice on the terminal, or read from standard input with --password-stdin')
    .option('--home <dir>', 'home folder', '.')
    .option('--role <role>', 'give the user this role (repeatable; the role must exist, see `mi role add`)', collect, [])
    .option('--password-stdin', 'read the password from standard input')
    .action((name, o) => userAddCommand(name, o));
  user
    .command('list')
    .description('list users, one per line: name, a tab, roles comma-separated')
    .option('--home <dir>', 'home folder', '.')
    .action((o) => userListCommand(o));
  user
    .command('delete <name>')
    .description('delete a user (not the [super_admin] user)')
    .option('--home <dir>', 'home folder', '.')
    .action((name, o) => userDeleteCommand(name, o));
  user
    .command('passwd <name>')
    .description("set a user's password")
    .option('--home <dir>', 'home folder', '.')
    .option('--password-stdin', 'read the password from standard input')
    .action((name, o) => userPasswdCommand(name, o));
  user
    .command('roles <name>')
    .description("list a user's roles, or change them with --add / --remove")
    .option('--home <dir>', 'home folder', '.')
    .option('--add <role>', 'give the user this role (repeatable)', collect, [])
    .option('--remove <role>', 'take this role from the user (repeatable)', collect, [])
    .action((name, o) => userRolesCommand(name, o));
}
