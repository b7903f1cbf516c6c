/**
 * `mi keystore create [--home DIR]`: a fresh RSA 3072 key and self-signed certificate in
 * HOME/deployment/security/primary.p12, its random password in a 0600 file beside it, and [keystore.primary]
 * written into deployment.toml (an existing section is replaced, every other byte of the file is kept).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { Errors, MiError } from '../errors.js';
import { writeFileAtomic } from '../config/file-write.js';
import { DEV_KEYSTORE, securityDir } from '../security/keys/keystore-config.js';
import { createKeyStore } from '../security/keys/keystore-create.js';
import { BRACKETED } from '../security/security-config.js';
import { replaceTable, verifyEdit } from '../config/toml-text.js';
import { reportError } from './report-error.js';

export interface KeystoreCreateOptions {
  home: string;
  force?: boolean;
  cn?: string;
  days?: string;
}

const SECTION = {
  file_name: DEV_KEYSTORE.file,
  type: 'PKCS12',
  alias: DEV_KEYSTORE.alias,
  password_file: DEV_KEYSTORE.passwordFile,
};

function sectionText(cn: string, days: number): string {
  return [
    '[keystore.primary]',
    `# made by \`mi keystore create\`: RSA 3072, self-signed CN=${cn}, valid ${days} days; paths are relative to deployment/security/`,
    ...Object.entries(SECTION).map(([k, v]) => `${k} = "${v}"`),
  ].join('\n');
}

export async function keystoreCreateCommand(opts: KeystoreCreateOptions): Promise<void> {
  try {
    const home = path.resolve(opts.home);
    if (!existsSync(home)) throw new MiError(Errors.HOME_MISSING, `home folder ${home} does not exist`);
    const days = opts.days === undefined ? 3650 : Number(opts.days);
    if (!Number.isInteger(days) || days < 1) throw new MiError(Errors.CONFIG_VALUE, `--days must be a whole number of days, not '${opts.days}'`);
    const cn = opts.cn ?? 'localhost';
    const file = path.join(home, 'deployment', 'deployment.toml');
    const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const after = replaceTable(before, ['keystore', 'primary'], sectionText(cn, days), file);
    // check the edit before making the key, so a refused edit leaves nothing half done
    verifyEdit(before, after, (doc) => {
      const ks = (doc['keystore'] ??= {}) as Record<string, unknown>;
      ks['primary'] = { ...SECTION };
    }, file);
    const dir = securityDir(home);
    const target = path.join(dir, DEV_KEYSTORE.file);
    const secrets = Object.entries(((parseToml(before) as Record<string, unknown>)['secrets'] ?? {}) as Record<string, unknown>)
      .filter(([, v]) => typeof v === 'string' && !BRACKETED.test(v))
      .map(([k]) => k);
    if (existsSync(target) && secrets.length && !opts.force) {
      throw new MiError(
        Errors.KEYSTORE,
        `${target} already holds the key that encrypted [secrets] ${secrets.join(', ')}; a new key cannot decrypt them. ` +
          'Pass --force to replace it anyway, then put their plain values back in [brackets] and run `mi cipher-tool`',
      );
    }
    const created = await createKeyStore({ dir, commonName: cn, days, force: true });
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, after);
    const rel = (f: string): string => path.relative(process.cwd(), f) || f;
    process.stdout.write(`mi: created ${rel(created.file)} (RSA 3072, self-signed CN=${cn}, valid ${days} days)\n`);
    process.stdout.write(`mi: its password is in ${rel(created.passwordFile)} (mode 600); keep that file out of version control\n`);
    process.stdout.write(`mi: recorded [keystore.primary] in ${rel(file)}\n`);
    if (secrets.length) {
      const were = secrets.length > 1 ? 'were' : 'was';
      process.stdout.write(`mi: [secrets] ${secrets.join(', ')} ${were} encrypted with the previous key: put their plain values back in [brackets] and run \`mi cipher-tool\`\n`);
    }
  } catch (err) {
    reportError(err);
  }
}

