/** The `mi` command line. */
import { Command } from 'commander';
import { startCommand } from './start.js';
import { validateCommand } from './validate.js';

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
  await program.parseAsync(argv);
}
