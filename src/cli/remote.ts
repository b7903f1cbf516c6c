/**
 * `mi remote ...`: the management API of a running server from the command line (Micro Integrator's
 * `mi` CLI of product-mi-tooling, with one saved session instead of named environments).
 *
 *   mi remote login --url https://localhost:9164 -u admin [--password-stdin] [-k | --ca ca.pem]
 *   mi remote apis|proxies|sequences|endpoints|local-entries [name]     list, or one in detail
 *   mi remote users [name] | users add <name> [--admin] [--role r]... | users delete <name>
 *   mi remote roles [role] | roles add <role> | roles delete <role> | roles assign <user> --add r --remove r
 *   mi remote server | log-level <logger> [level] | transactions [--year Y --month M] | logout
 *
 * Lists print as a table, details as `key: value` lines; --json prints the server's JSON unchanged.
 * Errors are `mi: CODE  message` on standard error with exit status 1.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Errors, MiError } from '../errors.js';
import { call, expectOk, forgetSession, loadSession, managementUrl, replyError, saveSession, sessionFile, type Connection } from './remote-session.js';
import { cell, table } from './table.js';
import { reportingErrors as run } from './report-error.js';
import { readPassword } from './terminal-input.js';

interface OutputOptions {
  json?: boolean;
}


/** A call with the saved token; 401 means the session is over. */
async function authorized(method: string, resource: string, body?: unknown): Promise<unknown> {
  const s = loadSession();
  const r = await call(s, method, resource, { auth: `Bearer ${s.token}`, body });
  if (r.status === 401) {
    throw new MiError(Errors.REMOTE_NO_SESSION, `the server refused the saved session of '${s.user}' (${replyError(r).message}); run \`mi remote login --url ${s.url.replace(/\/management$/, '')} -u ${s.user}\` again`);
  }
  return expectOk(r);
}


function print(body: unknown, opts: OutputOptions, columns?: readonly string[]): void {
  if (opts.json) {
    process.stdout.write(JSON.stringify(body, null, 2) + '\n');
    return;
  }
  const b = body as { count?: number; list?: Record<string, unknown>[] } | Record<string, unknown>;
  if (b && Array.isArray((b as { list?: unknown }).list)) {
    const list = (b as { list: Record<string, unknown>[] }).list;
    const cols = columns ?? [...new Set(list.flatMap((row) => Object.keys(row)))];
    process.stdout.write(list.length ? table(cols, list.map((row) => cols.map((c) => row[c]))) : 'none\n');
    return;
  }
  // a detail: short values first, then multi-line ones (configuration) below
  const entries = Object.entries(b as Record<string, unknown>).filter(([, v]) => v !== undefined);
  const long = entries.filter(([, v]) => typeof v === 'string' && v.includes('\n'));
  const short = entries.filter((e) => !long.includes(e));
  const width = Math.max(0, ...short.map(([k]) => k.length));
  for (const [k, v] of short) process.stdout.write(`${`${k}:`.padEnd(width + 2)}${cell(v)}\n`);
  for (const [k, v] of long) process.stdout.write(`${k}:\n${v as string}\n`);
}

const ARTIFACTS = [
  { command: 'apis', resource: 'apis', param: 'apiName', what: 'REST APIs', columns: ['name', 'url'] },
  { command: 'proxies', resource: 'proxy-services', param: 'proxyServiceName', what: 'proxy services', columns: ['name', 'wsdl1_1'] },
  { command: 'sequences', resource: 'sequences', param: 'sequenceName', what: 'sequences', columns: ['name', 'stats', 'tracing'] },
  { command: 'endpoints', resource: 'endpoints', param: 'endpointName', what: 'endpoints', columns: ['name', 'type', 'isActive'] },
  { command: 'local-entries', resource: 'local-entries', param: 'name', what: 'local entries', columns: ['name', 'type'] },
] as const;

function list(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

export function registerRemoteCommand(program: Command): void {
  const remote = program.command('remote').description("talk to a running server's management API (log in first with `mi remote login`)");

  remote
    .command('login')
    .description('log in with a user of the server and keep the access token in ~/.config/mi/remote.json (mode 600)')
    .requiredOption('--url <url>', 'the management API, e.g. https://localhost:9164')
    .requiredOption('-u, --user <name>', 'user name')
    .option('--password-stdin', 'read the password from standard input instead of asking')
    .option('-k, --insecure', 'do not verify the server certificate (a development key store)')
    .option('--ca <pem>', 'trust this CA (or self-signed certificate) PEM file for the server certificate')
    .action(
      run(async (o: { url: string; user: string; passwordStdin?: boolean; insecure?: boolean; ca?: string }) => {
        const url = managementUrl(o.url);
        let ca: string | undefined;
        if (o.ca) {
          try {
            ca = readFileSync(o.ca, 'utf8');
          } catch (err) {
            throw new MiError(Errors.REMOTE_CONNECT, `--ca ${o.ca} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
          }
        }
        const conn: Connection = { url, insecure: o.insecure === true, ca };
        const password = await readPassword(o, `password for ${o.user}: `);
        const r = await call(conn, 'GET', '/login', { auth: `Basic ${Buffer.from(`${o.user}:${password}`).toString('base64')}` });
        const body = expectOk(r) as { AccessToken?: unknown };
        if (typeof body?.AccessToken !== 'string') throw new MiError(Errors.REMOTE_CONNECT, `${url}/login did not answer with an AccessToken; is this a management API?`);
        const file = saveSession({ url, user: o.user, token: body.AccessToken, insecure: conn.insecure, ca });
        process.stdout.write(`mi: logged in to ${url} as ${o.user}; session saved in ${file}\n`);
      }),
    );

  remote
    .command('logout')
    .description('revoke the access token on the server and forget the session')
    .action(
      run(async () => {
        const s = loadSession();
        const r = await call(s, 'GET', '/logout', { auth: `Bearer ${s.token}` }).catch(() => undefined);
        forgetSession();
        process.stdout.write(r && r.status < 300 ? `mi: logged out of ${s.url}\n` : `mi: session forgotten (the server did not confirm the logout)\n`);
      }),
    );

  for (const a of ARTIFACTS) {
    remote
      .command(`${a.command} [name]`)
      .description(`list the deployed ${a.what}, or show one`)
      .option('--json', 'print the JSON answer')
      .option('--search <text>', 'only names containing this text')
      .action(
        run(async (name: string | undefined, o: OutputOptions & { search?: string }) => {
          const q = name !== undefined ? `?${a.param}=${encodeURIComponent(name)}` : o.search ? `?searchKey=${encodeURIComponent(o.search)}` : '';
          print(await authorized('GET', `/${a.resource}${q}`), o, name === undefined ? a.columns : undefined);
        }),
      );
  }

  const users = remote
    .command('users [name]')
    .description('list the users, or show one (admin only)')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (name: string | undefined, o: OutputOptions) => {
        print(await authorized('GET', name === undefined ? '/users' : `/users/${encodeURIComponent(name)}`), o, name === undefined ? ['userId'] : undefined);
      }),
    );
  users
    .command('add <name>')
    .description('add a user to the database user store; the password is asked, or read with --password-stdin')
    .option('--admin', 'give the user the admin role')
    .option('--role <role>', 'a role for the user (repeat or comma-separate)', list)
    .option('--password-stdin', 'read the password from standard input')
    .action(
      run(async (name: string, o: { admin?: boolean; role?: string[]; passwordStdin?: boolean }) => {
        const password = await readPassword(o, `password for new user ${name}: `);
        const body = (await authorized('POST', '/users', { userId: name, password, isAdmin: o.admin === true, roles: o.role ?? [] })) as { status?: string };
        process.stdout.write(`Adding new user [ ${name} ] status: ${body?.status ?? 'Added'}\n`);
      }),
    );
  users
    .command('delete <name>')
    .description('delete a user of the database user store')
    .action(
      run(async (name: string) => {
        const body = (await authorized('DELETE', `/users/${encodeURIComponent(name)}`)) as { status?: string };
        process.stdout.write(`Deleting user [ ${name} ] status: ${body?.status ?? 'Deleted'}\n`);
      }),
    );

  const roles = remote
    .command('roles [role]')
    .description('list the roles, or show the users of one (admin only)')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (role: string | undefined, o: OutputOptions) => {
        print(await authorized('GET', role === undefined ? '/roles' : `/roles/${encodeURIComponent(role)}`), o, role === undefined ? ['role'] : undefined);
      }),
    );
  roles
    .command('add <role>')
    .description('add a role')
    .action(
      run(async (role: string) => {
        const body = (await authorized('POST', '/roles', { role })) as { status?: string };
        process.stdout.write(`Adding new role [ ${role} ] status: ${body?.status ?? 'Added'}\n`);
      }),
    );
  roles
    .command('delete <role>')
    .description('delete a role (it is taken from every user)')
    .action(
      run(async (role: string) => {
        const body = (await authorized('DELETE', `/roles/${encodeURIComponent(role)}`)) as { status?: string };
        process.stdout.write(`Deleting role [ ${role} ] status: ${body?.status ?? 'Deleted'}\n`);
      }),
    );
  roles
    .command('assign <user>')
    .description("add and remove roles of a user")
    .option('--add <role>', 'a role to add (repeat or comma-separate)', list)
    .option('--remove <role>', 'a role to remove (repeat or comma-separate)', list)
    .action(
      run(async (user: string, o: { add?: string[]; remove?: string[] }) => {
        if (!o.add?.length && !o.remove?.length) throw new MiError(Errors.MGT_BAD_REQUEST, 'give --add and/or --remove roles');
        const body = (await authorized('PUT', '/roles', { userId: user, addedRoles: o.add ?? [], removedRoles: o.remove ?? [] })) as { status?: string };
        process.stdout.write(`Updating roles of [ ${user} ] status: ${body?.status ?? 'done'}\n`);
      }),
    );

  remote
    .command('server')
    .description('show what the server runs on: version, home, Node.js, OS, uptime')
    .option('--json', 'print the JSON answer')
    .action(run(async (o: OutputOptions) => print(await authorized('GET', '/server'), o)));

  remote
    .command('log-level <logger> [level]')
    .description('show the level of a logger (an id from log4j2.properties, a logger name, or rootLogger), or set it now')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (logger: string, level: string | undefined, o: OutputOptions) => {
        if (level === undefined) print(await authorized('GET', `/logging?loggerName=${encodeURIComponent(logger)}`), o);
        else {
          const body = (await authorized('PATCH', '/logging', { loggerName: logger, loggingLevel: level.toUpperCase() })) as { message?: string };
          if (o.json) print(body, o);
          else process.stdout.write(`${body?.message ?? 'done'}\n`);
        }
      }),
    );

  remote
    .command('transactions')
    .description('requests counted into proxy services and APIs in a month (the current one by default)')
    .option('--year <year>', 'year, with --month')
    .option('--month <month>', 'month 1-12, with --year')
    .option('--json', 'print the JSON answer')
    .action(
      run(async (o: OutputOptions & { year?: string; month?: string }) => {
        const q = o.year !== undefined || o.month !== undefined ? `?year=${encodeURIComponent(o.year ?? '')}&month=${encodeURIComponent(o.month ?? '')}` : '';
        print(await authorized('GET', `/transactions/count${q}`), o);
      }),
    );

  remote.addHelpText('after', `\nThe session is kept in ${sessionFile()}.`);
}
