/** The `mi` command line. */
import { Command } from 'commander';

/**
 * Command groups defined in their own modules. Only the group being run is loaded (the server, the
 * database drivers and the HTTP client each take a few hundred milliseconds to load); `mi --help` loads all.
 */
const GROUPS: Record<string, () => Promise<(program: Command) => void>> = {
  user: async () => (await import('./user.js')).registerUserCommand,
  role: async () => (await import('./role.js')).registerRoleCommand,
  remote: async () => (await import('./remote.js')).registerRemoteCommand,
  transactions: async () => (await import('./transactions.js')).registerTransactionsCommand,
  'api-key': async () => (await import('./api-key.js')).registerApiKeyCommand,
  'api-cert': async () => (await import('./api-cert.js')).registerApiCertCommand,
  app: async () => (await import('./app.js')).registerAppCommand,
};
// Micro Integrator's CLI grammar: one module registers add, get, delete, update, login and logout
const miCommands = async (): Promise<(program: Command) => void> => (await import('./mi-commands.js')).registerMiCommands;
for (const verb of ['add', 'get', 'delete', 'update', 'login', 'logout']) GROUPS[verb] = miCommands;

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('mi').description('Mediation runtime for Synapse XML artifacts (proxy services, APIs, sequences, endpoints)');
  program
    .command('start')
    .description('deploy HOME/synapse-configs/default and serve it (HOME/deployment/deployment.toml is optional)')
    .option('--home <dir>', 'home folder', '.')
    .option('--offset <n>', 'port offset, overriding [server] offset')
    .action(async (o) => (await import('./start.js')).startCommand(o));
  program
    .command('init [dir]')
    .description('make a new home in DIR (default: here): deployment.toml, log4j2.properties, the folder layout, a sample API and proxy, .gitignore, and a package.json for `npm start`')
    .option('--runtime <spec>', 'the dependency on this runtime in package.json (default: ^ its version when installed from npm, else file: this checkout)')
    .action(async (dir: string | undefined, o: { runtime?: string }) => {
      const [{ initCommand }, { reportError }] = await Promise.all([import('./init.js'), import('./report-error.js')]);
      try {
        initCommand(dir, o);
      } catch (err) {
        reportError(err);
      }
    });
  program
    .command('validate')
    .description('check deployment.toml and every artifact without serving; exits non-zero on any problem')
    .option('--home <dir>', 'home folder', '.')
    .action(async (o) => (await import('./validate.js')).validateCommand(o));
  const keystore = program.command('keystore').description('manage the primary key store that protects [secrets]');
  keystore
    .command('create')
    .description('make a fresh RSA 3072 key and self-signed certificate in HOME/deployment/security/ and record it under [keystore.primary]')
    .option('--home <dir>', 'home folder', '.')
    .option('--cn <name>', 'common name of the certificate', 'localhost')
    .option('--days <n>', 'validity of the certificate in days', '3650')
    .option('--force', 'replace the key even though [secrets] values were encrypted with it')
    .action(async (o) => (await import('./keystore.js')).keystoreCreateCommand(o));
  program
    .command('cipher-tool')
    .description('encrypt every "[plain text]" value under [secrets] in deployment.toml in place (there is no --decrypt, on purpose)')
    .option('--home <dir>', 'home folder', '.')
    .option('--encrypt', 'read one value from standard input and print its cipher text instead')
    .action(async (o) => (await import('./cipher-tool.js')).cipherToolCommand(o));
  const group = argv[2] !== undefined ? GROUPS[argv[2]] : undefined;
  for (const load of group ? [group] : new Set(Object.values(GROUPS))) (await load())(program);
  await program.parseAsync(argv);
}
