/**
 * Micro Integrator's CLI grammar (`mi add env`, `mi login`, `mi get ... -e`, ...): the real `mi` binary against
 * a running server's HTTPS management API, environments kept under a temporary XDG_CONFIG_HOME. The output
 * is compared with what product-mi-tooling's Go templates and tabwriter print, column positions included.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type Server } from '../../src/main.js';
import { MI, makeHome } from '../helpers/process.js';
import { SYN } from '../helpers/server.js';
import { ADMIN, USERS_TOML } from '../management/client.js';

const FILES = {
  'api/OrdersApi.xml': `<api ${SYN} name="OrdersApi" context="/orders"><resource methods="GET POST" uri-template="/{id}"><inSequence><respond/></inSequence></resource><resource methods="DELETE" url-mapping="/all"><inSequence><respond/></inSequence></resource></api>`,
  'proxy-services/QuoteProxy.xml': `<proxy ${SYN} name="QuoteProxy"><target><inSequence><respond/></inSequence></target></proxy>`,
  'endpoints/QuoteEP.xml': `<endpoint ${SYN} name="QuoteEP"><address uri="http://127.0.0.1:9/q"/></endpoint>`,
  'sequences/Audit.xml': `<sequence ${SYN} name="Audit"><log level="simple"/><drop/></sequence>`,
  'local-entries/greeting.xml': `<localEntry ${SYN} key="greeting">Hello</localEntry>`,
};

/** Real log4j2 logging (so log levels can change), into a file rather than the test output. */
const LOG4J2 = `appenders = FILE
appender.FILE.type = File
appender.FILE.name = FILE
appender.FILE.fileName = \${sys:logfiles.home}/carbon.log
appender.FILE.layout.type = PatternLayout
appender.FILE.layout.pattern = %p %c %m%n
rootLogger.level = INFO
rootLogger.appenderRef.FILE.ref = FILE
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A Go tabwriter cell: the text padded to max(20, widest + 3). */
const cell = (text: string, width = 20): string => text.padEnd(width);

describe('mi CLI grammar of Micro Integrator (add env, login, get, update, add/delete user)', function () {
  this.timeout(90_000);
  let home: string;
  let config: string;
  let caFile: string;
  let s: Server;
  let base: string;
  let port: number;

  /** The real CLI, asynchronously: the server under test runs in this process and must keep answering. */
  const mi = (args: string[], input?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(process.execPath, [MI, ...args], { env: { ...process.env, XDG_CONFIG_HOME: config }, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(input ?? '');
    });
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await mi(args, input);
    assert.equal(r.code, 0, `mi ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, '');
    return r.stdout;
  };
  const envFile = (): string => path.join(config, 'mi', 'environments.json');

  before(async () => {
    home = makeHome(FILES, { 'deployment.toml': '[server]\nhot_deployment = false\n' + USERS_TOML, 'log4j2.properties': LOG4J2 });
    const made = spawnSync(process.execPath, [MI, 'keystore', 'create', '--home', home], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    config = mkdtempSync(path.join(os.tmpdir(), 'mi-xdg-'));
    s = await startServer({ home, httpPort: 0, managementPort: 0, host: '127.0.0.1' });
    caFile = path.join(config, 'server.pem');
    writeFileSync(caFile, s.config.security.keystore.get().certificates[0]!);
    base = s.managementUrl!.replace(/\/management$/, '');
    port = s.httpPort;
  });
  after(async () => {
    await s?.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(config, { recursive: true, force: true });
  });

  it('mi add env saves a named environment (mode 600), listed by mi get envs', async () => {
    assert.equal(await ok(['add', 'env', 'dev', base, '--ca', caFile]), "Successfully added environment 'dev'\n");
    assert.equal(statSync(envFile()).mode & 0o777, 0o600);
    assert.equal(await ok(['get', 'envs']), `${cell('NAME')}MI MANAGEMENT ENDPOINT\n${cell('dev')}${base}\n`);
    const bad = await mi(['add', 'env', 'x', 'localhost:9164']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^mi: MI_CLI_003 {2}the URL must be http:\/\/ or https:\/\//);
  });

  it('refuses to work on an unknown environment or before login, saying what to run', async () => {
    const unknown = await mi(['login', 'prod', 'admin', '--password-stdin'], 'x\n');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, "mi: MI_CLI_001  no environment named 'prod'; add it with `mi add env prod https://localhost:9164`\n");
    const before = await mi(['get', 'apis', '-e', 'dev']);
    assert.equal(before.code, 1);
    assert.equal(before.stderr, "mi: MI_CLI_002  not logged in to 'dev'; run `mi login dev`\n");
    const noEnv = await mi(['get', 'apis']);
    assert.equal(noEnv.code, 1);
    assert.match(noEnv.stderr, /required option '-e, --environment <name>' not specified/);
  });

  it('mi login NAME USER --password-stdin keeps the token with the environment, never the password', async () => {
    const wrong = await mi(['login', 'dev', ADMIN.name, '--password-stdin'], 'wrong\n');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^mi: MI_MGT_001 {2}wrong user name or password/);
    assert.equal(await ok(['login', 'dev', ADMIN.name, '--password-stdin'], `${ADMIN.password}\n`), 'Logged into MI in dev environment\n');
    const saved = readFileSync(envFile(), 'utf8');
    assert.ok(!saved.includes(ADMIN.password));
    const dev = (JSON.parse(saved) as { environments: Record<string, { user: string; token: string }> }).environments['dev']!;
    assert.equal(dev.user, 'admin');
    assert.equal(dev.token.split('.').length, 3);
    // MI's -u form works too
    assert.equal(await ok(['login', 'dev', '-u', ADMIN.name, '--password-stdin'], ADMIN.password), 'Logged into MI in dev environment\n');
  });

  it('mi get apis: NAME and URL; one API: MI detail with its resources', async () => {
    assert.equal(await ok(['get', 'apis', '-e', 'dev']), `${cell('NAME')}URL\n${cell('OrdersApi')}http://localhost:${port}/orders\n`);
    assert.equal(
      await ok(['get', 'apis', 'OrdersApi', '-e', 'dev']),
      `Name - OrdersApi\nVersion - N/A\nUrl - http://localhost:${port}/orders\nStats - disabled\nTracing - disabled\nResources :\n` +
        `${cell('URL')}METHOD\n${cell('/{id}')}[GET POST]\n${cell('/all')}[DELETE]\n`,
    );
    const json = JSON.parse(await ok(['get', 'apis', '-e', 'dev', '--format', '{{ jsonPretty . }}'])) as { count: number };
    assert.equal(json.count, 1);
    const missing = await mi(['get', 'apis', 'Nope', '-e', 'dev']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^mi: MI_MGT_005 {2}no API named 'Nope'|^mi: MI_MGT_005 /);
  });

  it('mi get proxy-services: NAME, WSDL 1.1, WSDL 2.0 (columns as wide as the longest cell + 3)', async () => {
    const wsdl11 = `http://localhost:${port}/services/QuoteProxy?wsdl`;
    const w = wsdl11.length + 3;
    assert.equal(await ok(['get', 'proxy-services', '-e', 'dev']), `${cell('NAME')}${cell('WSDL 1.1', w)}WSDL 2.0\n${cell('QuoteProxy')}${cell(wsdl11, w)}${wsdl11}2\n`);
    assert.equal(
      await ok(['get', 'proxy-services', 'QuoteProxy', '-e', 'dev']),
      `Name - QuoteProxy\nWSDL 1.1 - ${wsdl11}\nWSDL 2.0 - ${wsdl11}2\nStats - disabled\nTracing - disabled\n`,
    );
  });

  it('mi get endpoints, sequences and local-entries: MI columns and details', async () => {
    assert.equal(await ok(['get', 'endpoints', '-e', 'dev']), `${cell('NAME')}${cell('TYPE')}ACTIVE\n${cell('QuoteEP')}${cell('address')}true\n`);
    assert.equal(await ok(['get', 'endpoints', 'QuoteEP', '-e', 'dev']), 'Name - QuoteEP\nType - address\nActive - true\nAddress - http://127.0.0.1:9/q\n');
    const seqs = await ok(['get', 'sequences', '-e', 'dev']);
    assert.match(seqs, new RegExp(`^${cell('NAME')}${cell('STATS')}TRACING\n`));
    assert.ok(seqs.includes(`\n${cell('Audit')}${cell('disabled')}disabled\n`), seqs);
    assert.equal(await ok(['get', 'sequences', 'Audit', '-e', 'dev']), 'Name - Audit\nContainer - \nStats - disabled\nTracing - disabled\nMediators - log, drop\n');
    assert.equal(await ok(['get', 'local-entries', '-e', 'dev']), `${cell('NAME')}TYPE\n${cell('greeting')}Inline Text\n`);
    assert.equal(await ok(['get', 'local-entries', 'greeting', '-e', 'dev']), 'Name - greeting\nType - Inline Text\nValue - Hello\n');
  });

  it('mi add role, add user, get users/roles, delete user/role', async () => {
    assert.equal(await ok(['add', 'role', 'ops', '-e', 'dev']), 'Adding new role [ ops ] status: Added\n');
    assert.equal(await ok(['add', 'user', 'bob', '-e', 'dev', '--password-stdin', '--role', 'ops'], 'Bob-passw0rd\n'), 'Adding new user [ bob ] status: Added\n');
    const users = await ok(['get', 'users', '-e', 'dev']);
    assert.match(users, /^USER ID\n/);
    for (const u of ['admin', 'bob', 'viewer']) assert.ok(users.includes(`\n${u}\n`), users);
    assert.equal(await ok(['get', 'users', '-e', 'dev', '-p', 'b*']), 'USER ID\nbob\n');
    assert.equal(await ok(['get', 'users', '-e', 'dev', '-r', 'ops']), 'USER ID\nbob\n');
    assert.equal(await ok(['get', 'users', '-e', 'dev', '-p', 'nobody*']), 'No Users found\n');
    assert.equal(await ok(['get', 'users', 'bob', '-e', 'dev']), 'Name - bob\nIs Admin - false\nRoles - ops\n');
    assert.match(await ok(['get', 'roles', '-e', 'dev']), /^ROLE\n(.+\n)*ops\n/);
    assert.equal(await ok(['get', 'roles', 'ops', '-e', 'dev']), 'Role Name - ops\nUsers  - bob\n');
    const conflict = await mi(['get', 'users', 'bob', '-p', 'b*', '-e', 'dev']);
    assert.equal(conflict.stderr, 'mi: MI_CLI_003  [user-id] arg cannot be used with -p or -r flags\n');
    assert.equal(await ok(['delete', 'user', 'bob', '-e', 'dev']), 'Deleting user [ bob ] status: Deleted\n');
    assert.equal(await ok(['delete', 'role', 'ops', '-e', 'dev']), 'Deleting role [ ops ] status: Deleted\n');
  });

  it('mi update log-level LOGGER LEVEL -e NAME prints the server message', async () => {
    assert.equal(
      await ok(['update', 'log-level', 'org.apache.synapse.mediators.builtin.LogMediator', 'DEBUG', '-e', 'dev']),
      'Successfully updated logger.org.apache.synapse.mediators.builtin.LogMediator.level to DEBUG\n',
    );
  });

  it('mi logout revokes the token; the environment stays, mi delete env forgets it', async () => {
    const { token } = (JSON.parse(readFileSync(envFile(), 'utf8')) as { environments: Record<string, { token: string }> }).environments['dev']!;
    assert.equal(await ok(['logout', 'dev']), 'Logged out from MI in dev environment\n');
    const { Agent, fetch } = await import('undici');
    const dispatcher = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
    assert.equal((await fetch(`${s.managementUrl}/apis`, { headers: { authorization: `Bearer ${token}` }, dispatcher })).status, 401, 'the token is revoked on the server');
    await dispatcher.close();
    assert.equal((await mi(['get', 'apis', '-e', 'dev'])).stderr, "mi: MI_CLI_002  not logged in to 'dev'; run `mi login dev`\n");
    assert.equal(await ok(['delete', 'env', 'dev']), "Successfully removed environment 'dev'\nExecute 'mi add env --help' to see how to add a new environment\n");
    assert.equal(await ok(['get', 'envs']), 'NAME                MI MANAGEMENT ENDPOINT\n');
    assert.ok(existsSync(envFile()));
  });

  it('-k at login skips verification and is remembered for the environment', async () => {
    await ok(['add', 'env', 'local', base]);
    const untrusted = await mi(['login', 'local', ADMIN.name, '--password-stdin'], ADMIN.password);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /^mi: MI_MGT_015 {2}cannot reach .*--ca/);
    assert.equal(await ok(['login', 'local', ADMIN.name, '--password-stdin', '-k'], ADMIN.password), 'Logged into MI in local environment\n');
    assert.match(await ok(['get', 'apis', '-e', 'local']), /^NAME {16}URL\nOrdersApi/);
  });

  it('a session the server no longer honours is MI_CLI_002 with the mi login line to run', async () => {
    const { token } = (JSON.parse(readFileSync(envFile(), 'utf8')) as { environments: Record<string, { token: string }> }).environments['local']!;
    const { Agent, fetch } = await import('undici');
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    assert.equal((await fetch(`${s.managementUrl}/logout`, { headers: { authorization: `Bearer ${token}` }, dispatcher })).status, 200);
    await dispatcher.close();
    const r = await mi(['get', 'apis', '-e', 'local']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^mi: MI_CLI_002 {2}the server refused the session of 'admin' in 'local' \(.*\); run `mi login local admin` again\n$/);
  });
});
