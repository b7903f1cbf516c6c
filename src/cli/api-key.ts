/**
 * `mi api-key issue|list|revoke`: the API keys of a home folder, in the user store's database (the server
 * need not run; a running server sees a new key at once and a revocation within `[api_security]
 * api_key_cache_ttl`). `issue` prints the key alone on standard output, once: only its hash is kept.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Errors, MiError } from '../errors.js';
import { ApiKeyStore, type ApiKeyRecord } from '../security/gateway/api-key-store.js';
import { childElements, parseXml } from '../xml/dom.js';
import { withHomeStores, type HomeOption } from './user.js';

function withApiKeys(opts: HomeOption, work: (store: ApiKeyStore, home: string) => Promise<void>): Promise<void> {
  return withHomeStores(opts, (stores, _config, home) => work(new ApiKeyStore(stores.users), home));
}

/**
 * The names of the APIs in the home's artifact folder (roots and `<definitions>` children). The deployer's
 * modules load here only: `list` and `revoke` stay quick.
 */
export async function apiNames(dir: string): Promise<string[]> {
  const { listArtifactFiles } = await import('../artifacts/deployer.js');
  const names: string[] = [];
  for (const file of listArtifactFiles(dir)) {
    try {
      const root = parseXml(readFileSync(file, 'utf8')).documentElement;
      for (const el of root.localName === 'definitions' ? childElements(root) : [root]) {
        if (el.localName === 'api' && el.getAttribute('name')) names.push(el.getAttribute('name')!);
      }
    } catch {
      // a broken file is mi validate's to report
    }
  }
  return names;
}

/** `30d`, `12h`, `90m`, or a date (ISO-8601) in the future. */
export function parseExpiry(text: string, now = Date.now()): Date {
  const d = /^(\d+)\s*([dhm])$/i.exec(text.trim());
  if (d) {
    const n = Number(d[1]);
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[d[2]!.toLowerCase() as 'd' | 'h' | 'm'];
    if (n > 0) return new Date(now + n * unit);
  }
  const at = Date.parse(text);
  if (!d && Number.isFinite(at) && at > now) return new Date(at);
  throw new MiError(Errors.API_KEY_ARGUMENT, `--expires '${text}' is neither a duration (30d, 12h, 90m) nor a date in the future (2030-01-31 or 2030-01-31T12:00:00Z)`);
}

function state(r: ApiKeyRecord): string {
  if (r.revokedAt) return `revoked ${r.revokedAt}`;
  if (r.expiresAt && Date.parse(r.expiresAt) <= Date.now()) return 'expired';
  return 'active';
}

export async function apiKeyIssueCommand(opts: HomeOption & { api: string; name?: string; expires?: string }): Promise<void> {
  await withApiKeys(opts, async (store, home) => {
    const expires = opts.expires !== undefined ? parseExpiry(opts.expires) : undefined;
    const dir = (await import('../main.js')).artifactDir(home);
    const known = await apiNames(dir);
    if (!known.includes(opts.api)) {
      throw new MiError(Errors.API_KEY_ARGUMENT, `no API named '${opts.api}' in ${dir}${known.length ? ` (APIs: ${known.join(', ')})` : ''}`);
    }
    const { key, record } = await store.issue(opts.api, opts.name?.trim() ?? '', expires);
    process.stdout.write(`${key}\n`);
    const named = record.label ? `, name ${record.label}` : '';
    process.stderr.write(`mi: issued API key ${record.id} for API ${record.api}${named}, ${record.expiresAt ? `expires ${record.expiresAt}` : 'does not expire'}; the key is shown only now\n`);
  });
}

export async function apiKeyListCommand(opts: HomeOption & { api?: string }): Promise<void> {
  await withApiKeys(opts, async (store) => {
    // one key per line: id, API, name, created, expires, state (tab-separated)
    for (const r of await store.list(opts.api)) process.stdout.write(`${r.id}\t${r.api}\t${r.label || '-'}\t${r.createdAt}\t${r.expiresAt ?? 'never'}\t${state(r)}\n`);
  });
}

export async function apiKeyRevokeCommand(id: string, opts: HomeOption): Promise<void> {
  await withApiKeys(opts, async (store) => {
    const r = await store.revoke(id.trim());
    if (!r) throw new MiError(Errors.API_KEY_NOT_FOUND, `no API key has id '${id}'; see mi api-key list`);
    process.stdout.write(`mi: revoked API key ${r.id} (API ${r.api}${r.label ? `, name ${r.label}` : ''})\n`);
  });
}

/** `mi api-key ...` on the program. */
export function registerApiKeyCommand(program: Command): void {
  const cmd = program.command('api-key').description('issue, list and revoke API keys of the APIs (works without a running server)');
  cmd
    .command('issue')
    .description('issue a key for an API and print it (once: only its SHA-256 is stored)')
    .requiredOption('--api <name>', 'the API the key opens')
    .option('--name <label>', 'who or what holds the key (shown by list, and as api.ut.userId)')
    .option('--expires <when>', 'a duration (30d, 12h, 90m) or a date; default: never')
    .option('--home <dir>', 'home folder', '.')
    .action((o) => apiKeyIssueCommand(o));
  cmd
    .command('list')
    .description('list keys, one per line: id, API, name, created, expires, state (tab-separated)')
    .option('--api <name>', 'only the keys of this API')
    .option('--home <dir>', 'home folder', '.')
    .action((o) => apiKeyListCommand(o));
  cmd
    .command('revoke <id>')
    .description('revoke a key; running servers refuse it within [api_security] api_key_cache_ttl')
    .option('--home <dir>', 'home folder', '.')
    .action((id, o) => apiKeyRevokeCommand(id, o));
}
