/** `mi role add|list|delete`: roles of the database user store of a home folder (see user.ts). */
import type { Command } from 'commander';
import { Errors, MiError } from '../errors.js';
import { withUserStore, type HomeOption } from './user.js';

export async function roleAddCommand(role: string, opts: HomeOption): Promise<void> {
  await withUserStore(opts, async (store) => {
    await store.addRole(role);
    process.stdout.write(`mi: added role ${role}\n`);
  });
}

export async function roleListCommand(opts: HomeOption): Promise<void> {
  await withUserStore(opts, async (store) => {
    for (const r of await store.roles()) process.stdout.write(`${r}\n`);
  });
}

export async function roleDeleteCommand(role: string, opts: HomeOption): Promise<void> {
  await withUserStore(opts, async (store) => {
    if (!(await store.deleteRole(role))) throw new MiError(Errors.ROLE_NOT_FOUND, `no role '${role}'`);
    process.stdout.write(`mi: deleted role ${role} (and took it from every user)\n`);
  });
}

/** `mi role ...` on the program. */
export function registerRoleCommand(program: Command): void {
  const role = program.command('role').description('manage roles of the database user store (works without a running server)');
  role
    .command('add <role>')
    .description('add a role')
    .option('--home <dir>', 'home folder', '.')
    .action((name, o) => roleAddCommand(name, o));
  role
    .command('list')
    .description('list roles, one per line')
    .option('--home <dir>', 'home folder', '.')
    .action((o) => roleListCommand(o));
  role
    .command('delete <role>')
    .description('delete a role and take it from every user (not the admin role)')
    .option('--home <dir>', 'home folder', '.')
    .action((name, o) => roleDeleteCommand(name, o));
}
