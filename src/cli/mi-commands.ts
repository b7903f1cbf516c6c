/**
 * Micro Integrator's CLI grammar (product-mi-tooling's `mi`), so scripts written for MI 4.x run here:
 *
 *   mi add env NAME URL [-k | --ca PEM]          mi get envs          mi delete env NAME
 *   mi login NAME [USER] [-u USER] [--password-stdin | -p PASSWORD] [-k | --ca PEM]
 *   mi logout NAME
 *   mi get apis|proxy-services|endpoints|sequences|local-entries|users|roles [NAME] -e NAME
 *   mi update log-level LOGGER LEVEL -e NAME
 *   mi add user NAME -e NAME [--admin] [--role R]... [--password-stdin]      mi delete user NAME -e NAME
 *   mi add role NAME -e NAME                                                mi delete role NAME -e NAME
 *
 * Output is MI's, line for line (mi-views.ts); failures are `mi: CODE  message` on standard error with exit
 * status 1 where MI prints `[ERROR]: ...` on standard output and exits 0. `mi remote ...` stays as before.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Errors, MiError } from '../errors.js';
import { environment, environmentsFile, readEnvironments, updateEnvironment, type Environment } from './environments.js';
import { ARTIFACT_VIEWS, detailText, environmentsText, listText, type ArtifactView } from './mi-views.js';
import { call, expectOk, managementUrl, replyError } from './remote-session.js';
import { reportingErrors as run } from './report-error.js';
import { promptHidden, promptLine, readPassword, readStdin } from './terminal-input.js';

const ENV_FLAGS = ['-e, --environment <name>', 'the environment (see `mi add env`)'] as const;

interface TlsOptions {
  insecure?: boolean;
  ca?: string;
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new MiError(Errors.REMOTE_CONNECT, `--ca ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** TLS choices given on the command line, over those saved with the environment. */
function withTls(e: Environment, o: TlsOptions): Environment {
  if (o.ca !== undefined) return { ...e, insecure: false, ca: readCa(o.ca) };
  if (o.insecure) return { ...e, insecure: true, ca: undefined };
  return e;
}

/** A call with the environment's token; 401 means the session is over. */
async function authorized(envName: string, method: string, resource: string, body?: unknown): Promise<unknown> {
  const e = environment(envName);
  if (!e.token) throw new MiError(Errors.CLI_NOT_LOGGED_IN, `not logged in to '${envName}'; run \`mi login ${envName}\``);
  const r = await call(e, method, resource, { auth: `Bearer ${e.token}`, body });
  if (r.status === 401) {
    throw new MiError(Errors.CLI_NOT_LOGGED_IN, `the server refused the session of '${e.user}' in '${envName}' (${replyError(r).message}); run \`mi login ${envName} ${e.user}\` again`);
  }
  return expectOk(r);
}

/** `--format '{{ jsonPretty . }}'` is MI's way to see every field; other Go templates are not supported. */
function wantsJson(o: { format?: string; json?: boolean }): boolean {
  if (o.json) return true;
  if (o.format === undefined) return false;
  if (/^\s*\{\{\s*jsonPretty\s+\.\s*\}\}\s*$/.test(o.format)) return true;
  throw new MiError(Errors.CLI_ARGUMENTS, `--format '${o.format}' is not supported: only '{{ jsonPretty . }}' (or --json) is`);
}

/** MI's `-p` pattern: `*` any characters, `?` one, whole name, any case. */
function globMatcher(pattern: string): (name: string) => boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return (name) => re.test(name);
}

function registerGet(program: Command): void {
  const get = program.command('get').description('list the artifacts, users or roles of an environment, or show one (Micro Integrator CLI grammar)');
  get
    .command('envs')
    .description('list the environments added with `mi add env`')
    .action(run(async () => void process.stdout.write(environmentsText(readEnvironments()))));
  for (const view of ARTIFACT_VIEWS) {
    const c = get
      .command(`${view.command} [name]`)
      .description(`list the ${view.what}, or show one`)
      .requiredOption(...ENV_FLAGS)
      .option('--format <template>', "'{{ jsonPretty . }}' prints the JSON answer")
      .option('--json', 'print the JSON answer');
    if (view.command === 'users') c.option('-r, --role <role>', 'only users with this role').option('-p, --pattern <glob>', 'only users whose name matches, e.g. "*mi*"');
    c.action(run(async (name: string | undefined, o: { environment: string; format?: string; json?: boolean; role?: string; pattern?: string }) => getArtifacts(view, name, o)));
  }
}

async function getArtifacts(view: ArtifactView, name: string | undefined, o: { environment: string; format?: string; json?: boolean; role?: string; pattern?: string }): Promise<void> {
  const json = wantsJson(o);
  if (name !== undefined && (o.role !== undefined || o.pattern !== undefined)) throw new MiError(Errors.CLI_ARGUMENTS, '[user-id] arg cannot be used with -p or -r flags');
  if (name !== undefined) {
    const resource = view.param ? `${view.resource}?${view.param}=${encodeURIComponent(name)}` : `${view.resource}/${encodeURIComponent(name)}`;
    const body = await authorized(o.environment, 'GET', resource);
    process.stdout.write(json ? JSON.stringify(body, null, 2) + '\n' : detailText(view, body));
    return;
  }
  const body = (await authorized(o.environment, 'GET', o.role !== undefined ? `${view.resource}?role=${encodeURIComponent(o.role)}` : view.resource)) as { count?: number; list?: Record<string, unknown>[] };
  if (o.pattern !== undefined && Array.isArray(body?.list)) {
    const matches = globMatcher(o.pattern);
    body.list = body.list.filter((u) => matches(String(u['userId'] ?? '')));
    body.count = body.list.length;
  }
  process.stdout.write(json ? JSON.stringify(body, null, 2) + '\n' : listText(view, body));
}

function registerAdd(program: Command): void {
  const add = program.command('add').description('add an environment, a user or a role (Micro Integrator CLI grammar)');
  add
    .command('env <name> <url>')
    .description(`save an environment: a name for a server's management API (kept in ${environmentsFile()})`)
    .option('-k, --insecure', 'do not verify the server certificate (a development key store)')
    .option('--ca <pem>', 'trust this CA (or self-signed certificate) PEM file for the server certificate')
    .action(
      run(async (name: string, url: string, o: TlsOptions) => {
        if (!name.trim()) throw new MiError(Errors.CLI_ARGUMENTS, 'Name of the environment cannot be blank');
        let managed: string;
        try {
          managed = managementUrl(url);
        } catch (err) {
          throw new MiError(Errors.CLI_ARGUMENTS, (err as Error).message.replace('--url', 'the URL'));
        }
        // a new URL is another server: a token of the old one must not be sent there
        updateEnvironment(name, withTls({ url: managed, insecure: false }, o));
        process.stdout.write(`Successfully added environment '${name}'\n`);
      }),
    );
  add
    .command('user <name>')
    .description('add a user to the database user store of the server; the password is asked twice, or read with --password-stdin')
    .requiredOption(...ENV_FLAGS)
    .option('--admin', 'give the user the admin role (else asked on a terminal)')
    .option('--role <role>', 'a role for the user (repeat or comma-separate)', (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)])
    .option('--password-stdin', 'read the password from standard input')
    .action(
      run(async (name: string, o: { environment: string; admin?: boolean; role?: string[]; passwordStdin?: boolean }) => {
        environment(o.environment);
        let isAdmin = o.admin === true;
        let password: string;
        if (o.passwordStdin) password = (await readStdin()).replace(/\r?\n$/, '');
        else {
          const instead = 'pass --password-stdin (and --admin for an admin)';
          if (!o.admin) isAdmin = /^(y|yes)$/i.test(await promptLine(`Is ${name} an admin [y/N]: `, 'the answer', instead));
          password = await readPassword({}, `Enter password for ${name}: `);
          if ((await promptHidden(`Re-Enter password for ${name}: `)) !== password) throw new MiError(Errors.PASSWORD_INPUT, 'Passwords are not matching.');
        }
        const body = (await authorized(o.environment, 'POST', '/users', { userId: name, password, isAdmin, roles: o.role ?? [] })) as { status?: string };
        process.stdout.write(`Adding new user [ ${name} ] status: ${body?.status ?? 'Added'}\n`);
      }),
    );
  add
    .command('role <name>')
    .description('add a role to the database user store of the server')
    .requiredOption(...ENV_FLAGS)
    .action(
      run(async (name: string, o: { environment: string }) => {
        const body = (await authorized(o.environment, 'POST', '/roles', { role: name })) as { status?: string };
        process.stdout.write(`Adding new role [ ${name} ] status: ${body?.status ?? 'Added'}\n`);
      }),
    );
}

function registerDelete(program: Command): void {
  const del = program.command('delete').description('delete an environment, a user or a role (Micro Integrator CLI grammar)');
  del
    .command('env <name>')
    .description('forget an environment (logging out of it first)')
    .action(
      run(async (name: string) => {
        const e = environment(name);
        if (e.token) await call(e, 'GET', '/logout', { auth: `Bearer ${e.token}` }).catch(() => undefined);
        updateEnvironment(name, undefined);
        process.stdout.write(`Successfully removed environment '${name}'\nExecute 'mi add env --help' to see how to add a new environment\n`);
      }),
    );
  for (const what of ['user', 'role'] as const) {
    del
      .command(`${what} <name>`)
      .description(`delete a ${what} of the database user store of the server`)
      .requiredOption(...ENV_FLAGS)
      .action(
        run(async (name: string, o: { environment: string }) => {
          const body = (await authorized(o.environment, 'DELETE', `/${what}s/${encodeURIComponent(name)}`)) as { status?: string };
          process.stdout.write(`Deleting ${what} [ ${name} ] status: ${body?.status ?? 'Deleted'}\n`);
        }),
      );
  }
}

function registerUpdate(program: Command): void {
  const update = program.command('update').description('change a running server (Micro Integrator CLI grammar)');
  update
    .command('log-level <logger> <level>')
    .description('set the level of a logger (an id from log4j2.properties, a logger name, or rootLogger) now')
    .requiredOption(...ENV_FLAGS)
    .action(
      run(async (logger: string, level: string, o: { environment: string }) => {
        const body = (await authorized(o.environment, 'PATCH', '/logging', { loggerName: logger, loggingLevel: level.toUpperCase() })) as { message?: string };
        process.stdout.write(`${body?.message ?? 'done'}\n`);
      }),
    );
}

function registerLogin(program: Command): void {
  program
    .command('login <environment> [user]')
    .description('log in to an environment; the access token is kept with it (mode 600), never the password')
    .option('-u, --username <name>', 'user name (or give it after the environment)')
    .option('-p, --password <password>', 'the password on the command line (not secure: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('-k, --insecure', 'do not verify the server certificate, and remember that for this environment')
    .option('--ca <pem>', 'trust this CA (or self-signed certificate) PEM file, and remember it for this environment')
    .action(
      run(async (envName: string, userArg: string | undefined, o: TlsOptions & { username?: string; password?: string; passwordStdin?: boolean }) => {
        const e = withTls(environment(envName), o);
        if (o.password !== undefined && o.passwordStdin) throw new MiError(Errors.CLI_ARGUMENTS, '--password and --password-stdin are mutual exclusive');
        let user = o.username ?? userArg;
        if (user === undefined) {
          if (o.passwordStdin) throw new MiError(Errors.CLI_ARGUMENTS, 'An username is required to use password-stdin');
          user = await promptLine('Username:', 'the user name', `give it: \`mi login ${envName} USER --password-stdin\``);
        }
        let password: string;
        if (o.password !== undefined) {
          process.stderr.write('Warning: Using --password in CLI is not secure. Use --password-stdin\n');
          password = o.password;
        } else password = await readPassword(o, 'Password:');
        const r = await call(e, 'GET', '/login', { auth: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
        const body = expectOk(r) as { AccessToken?: unknown };
        if (typeof body?.AccessToken !== 'string') throw new MiError(Errors.REMOTE_CONNECT, `${e.url}/login did not answer with an AccessToken; is this a management API?`);
        updateEnvironment(envName, { ...e, user, token: body.AccessToken });
        process.stdout.write(`Logged into MI in ${envName} environment\n`);
      }),
    );
  program
    .command('logout <environment>')
    .description("revoke the environment's access token on the server and forget it")
    .action(
      run(async (envName: string) => {
        const e = environment(envName);
        if (!e.token) throw new MiError(Errors.CLI_NOT_LOGGED_IN, `not logged in to '${envName}'`);
        const r = await call(e, 'GET', '/logout', { auth: `Bearer ${e.token}` }).catch(() => undefined);
        updateEnvironment(envName, { url: e.url, insecure: e.insecure, ca: e.ca });
        process.stdout.write(r && r.status < 300 ? `Logged out from MI in ${envName} environment\n` : `mi: the session of ${envName} is forgotten (the server did not confirm the logout)\n`);
      }),
    );
}

export function registerMiCommands(program: Command): void {
  registerAdd(program);
  registerGet(program);
  registerDelete(program);
  registerUpdate(program);
  registerLogin(program);
}
