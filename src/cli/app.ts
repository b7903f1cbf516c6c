/**
 * `mi app add|list|delete`: OAuth2 applications of the token service (`[oauth2_server]`), in the user
 * store's database. The server need not run; running servers see a change within
 * `[oauth2_server] client_cache_ttl` seconds. The client secret is printed once and never stored.
 */
import type { Command } from 'commander';
import { Errors, MiError } from '../errors.js';
import { OAuth2AppStore } from '../security/oauth2/oauth2-app-store.js';
import { withHomeStores, type HomeOption } from './user.js';

function withApps(opts: HomeOption, work: (store: OAuth2AppStore) => Promise<void>): Promise<void> {
  return withHomeStores(opts, (stores) => work(new OAuth2AppStore(stores.users)));
}

const words = (list: string[] | undefined): string[] => (list ?? []).flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);

export async function appAddCommand(name: string, opts: HomeOption & { grant?: string[]; redirectUri?: string[]; scope?: string[] }): Promise<void> {
  await withApps(opts, async (store) => {
    const grants = words(opts.grant);
    const { app, secret } = await store.add({ name, grantTypes: grants.length ? grants : ['client_credentials'], redirectUris: words(opts.redirectUri), scopes: words(opts.scope) });
    process.stdout.write(`mi: added application ${app.name} (grants: ${app.grantTypes.join(' ')}${app.scopes.length ? `; scopes: ${app.scopes.join(' ')}` : ''})\n`);
    process.stdout.write(`client_id: ${app.clientId}\nclient_secret: ${secret}\n`);
    process.stderr.write('mi: the client secret is shown only now; keep it safe\n');
  });
}

export async function appListCommand(opts: HomeOption): Promise<void> {
  await withApps(opts, async (store) => {
    // one per line: name, client id, grants, scopes, redirect URIs, created (tab-separated)
    for (const a of await store.list()) {
      process.stdout.write(`${a.name}\t${a.clientId}\t${a.grantTypes.join(' ')}\t${a.scopes.join(' ')}\t${a.redirectUris.join(' ')}\t${a.createdAt}\n`);
    }
  });
}

export async function appDeleteCommand(nameOrId: string, opts: HomeOption): Promise<void> {
  await withApps(opts, async (store) => {
    if (!(await store.remove(nameOrId))) throw new MiError(Errors.OAUTH2_APP_NOT_FOUND, `no application is named or has client id '${nameOrId}'; see mi app list`);
    process.stdout.write(`mi: deleted application ${nameOrId}\n`);
  });
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** `mi app ...` on the program. */
export function registerAppCommand(program: Command): void {
  const cmd = program.command('app').description('add, list and delete OAuth2 applications of the token service ([oauth2_server]; works without a running server)');
  cmd
    .command('add <name>')
    .description('register an application; prints its client id and secret, the secret only this once')
    .option('--grant <grant>', 'client_credentials (default), password, refresh_token, authorization_code; repeat or separate with commas', collect)
    .option('--redirect-uri <uri>', 'where the authorization code flow may return (needed for authorization_code); repeatable', collect)
    .option('--scope <scope>', 'a scope the application may ask for; repeat or separate with spaces or commas', collect)
    .option('--home <dir>', 'home folder', '.')
    .action((n, o) => appAddCommand(n, o));
  cmd
    .command('list')
    .description('list applications, one per line: name, client id, grants, scopes, redirect URIs, created (tab-separated)')
    .option('--home <dir>', 'home folder', '.')
    .action((o) => appListCommand(o));
  cmd
    .command('delete <name-or-client-id>')
    .description('delete an application; running servers refuse it within [oauth2_server] client_cache_ttl, its tokens stay valid until they expire')
    .option('--home <dir>', 'home folder', '.')
    .action((n, o) => appDeleteCommand(n, o));
}
