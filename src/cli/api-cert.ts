/**
 * `mi api-cert add|list|delete`: client certificates per API (API Manager's "client certificates" of an
 * API secured with mutual SSL), in the user store's database. The server need not run; running servers
 * (every node sharing the database) follow a change within `[apim.mutual_ssl] certificate_reload_interval`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Errors, MiError } from '../errors.js';
import { ApiCertificateStore, readCertificatePem } from '../security/gateway/api-certificate-store.js';
import { apiNames } from './api-key.js';
import { withHomeStores, type HomeOption } from './user.js';

function withCertificates(opts: HomeOption, work: (store: ApiCertificateStore, home: string) => Promise<void>): Promise<void> {
  return withHomeStores(opts, (stores, _config, home) => work(new ApiCertificateStore(stores.users), home));
}

export async function apiCertAddCommand(file: string, opts: HomeOption & { api: string; alias: string; tier: string }): Promise<void> {
  await withCertificates(opts, async (store, home) => {
    const alias = opts.alias.trim();
    const tier = opts.tier.trim();
    if (alias === '' || tier === '') throw new MiError(Errors.API_CERT_ARGUMENT, '--alias and --tier must not be empty');
    let text: string;
    try {
      text = readFileSync(path.resolve(file), 'utf8');
    } catch (err) {
      throw new MiError(Errors.API_CERT_ARGUMENT, `cannot read ${file}: ${(err as Error).message}`);
    }
    const cert = readCertificatePem(text, file);
    const dir = (await import('../main.js')).artifactDir(home);
    const known = await apiNames(dir);
    if (!known.includes(opts.api)) throw new MiError(Errors.API_CERT_ARGUMENT, `no API named '${opts.api}' in ${dir}${known.length ? ` (APIs: ${known.join(', ')})` : ''}`);
    const r = await store.add(opts.api, alias, cert.toString(), tier);
    process.stdout.write(`mi: added certificate ${r.alias} (${cert.subject.replace(/\n/g, ', ')}) to API ${r.api}, tier ${r.tier}\n`);
  });
}

export async function apiCertListCommand(opts: HomeOption & { api?: string }): Promise<void> {
  await withCertificates(opts, async (store) => {
    // one per line: API, alias, tier, subject, expiry, added (tab-separated)
    for (const r of await store.list(opts.api)) {
      const c = readCertificatePem(r.certificate, r.alias);
      process.stdout.write(`${r.api}\t${r.alias}\t${r.tier}\t${c.subject.replace(/\n/g, ', ')}\t${c.validTo}\t${r.addedAt}\n`);
    }
  });
}

export async function apiCertDeleteCommand(opts: HomeOption & { api: string; alias: string }): Promise<void> {
  await withCertificates(opts, async (store) => {
    if (!(await store.remove(opts.api, opts.alias.trim()))) throw new MiError(Errors.API_CERT_NOT_FOUND, `API ${opts.api} has no certificate with alias '${opts.alias}'; see mi api-cert list`);
    process.stdout.write(`mi: deleted certificate ${opts.alias} of API ${opts.api}\n`);
  });
}

/** `mi api-cert ...` on the program. */
export function registerApiCertCommand(program: Command): void {
  const cmd = program.command('api-cert').description('add, list and delete client certificates of APIs secured with mutual SSL (works without a running server)');
  cmd
    .command('add <file>')
    .description('register a PEM certificate for an API, with an alias and a throttling tier')
    .requiredOption('--api <name>', 'the API the certificate opens')
    .requiredOption('--alias <alias>', 'its name within the API')
    .option('--tier <tier>', 'throttling tier of the calls it admits', 'Unlimited')
    .option('--home <dir>', 'home folder', '.')
    .action((f, o) => apiCertAddCommand(f, o));
  cmd
    .command('list')
    .description('list certificates, one per line: API, alias, tier, subject, expires, added (tab-separated)')
    .option('--api <name>', 'only the certificates of this API')
    .option('--home <dir>', 'home folder', '.')
    .action((o) => apiCertListCommand(o));
  cmd
    .command('delete')
    .description('delete a certificate; running servers refuse it within [apim.mutual_ssl] certificate_reload_interval')
    .requiredOption('--api <name>', 'the API')
    .requiredOption('--alias <alias>', 'the certificate alias')
    .option('--home <dir>', 'home folder', '.')
    .action((o) => apiCertDeleteCommand(o));
}
