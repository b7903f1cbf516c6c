/** The `mi` command line. */
import { Command } from 'commander';
import { startCommand } from './start.js';
import { validateCommand } from './validate.js';
import { keystoreCreateCommand } from './keystore.js';
import { cipherToolCommand } from './cipher-tool.js';
import { registerUserCommand } from './user.js';
import { registerRoleCommand } from './role.js';
import { registerRemoteCommand } from './remote.js';
import { registerTransactionsCommand } from './transactions.js';

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('mi').description('Mediation runtime for Synapse XML artifacts (proxy services, APIs, sequences, endpoints)');
  program
    .command('start')
    .description('deploy HOME/synapse-configs/default and serve it (HOME/deployment/deployment.toml is optional)')
    .option('--home <dir>', 'home folder', '.')
    .option('--offset <n>', 'port offset, overriding [server] offset')
    .action((o) => startCommand(o));
  program
    .command('validate')
    .description('check deployment.toml and every artifact without serving; exits non-zero on any problem')
    .option('--home <dir>', 'home folder', '.')
    .action((o) => validateCommand(o));
  const keystore = program.command('keystore').description('manage the primary key store that protects [secrets]');
  keystore
    .command('create')
    .description('make a fresh RSA 3072 key and self-signed certificate in HOME/deployment/security/ and record it under [keystore.primary]')
    .option('--home <dir>', 'home folder', '.')
    .option('--cn <name>', 'common name of the certificate', 'localhost')
    .option('--days <n>', 'validity of the certificate in days', '3650')
    .option('--force', 'replace the key even though [secrets] values were encrypted with it')
    .action((o) => keystoreCreateCommand(o));
  program
    .command('cipher-tool')
    .description('encrypt every "[plain text]" value under [secrets] in deployment.toml in place (there is no --decrypt, on purpose)')
    .option('--home <dir>', 'home folder', '.')
    .option('--encrypt', 'read one value from standard input and print its cipher text instead')
    .action((o) => cipherToolCommand(o));
  registerUserCommand(program);
  registerRoleCommand(program);
  registerRemoteCommand(program);
  registerTransactionsCommand(program);
  await program.parseAsync(argv);
}
