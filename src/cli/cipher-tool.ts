/**
 * `mi cipher-tool [--home DIR]`: encrypts every "[plain text]" value under [secrets] in
 * HOME/deployment/deployment.toml in place with the primary key. `--encrypt` reads one value from standard
 * input and prints its cipher text. There is no --decrypt on purpose: whoever can run the tool must not be
 * able to read the secrets back out with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { Errors, MiError } from '../errors.js';
import { encryptSecret } from '../security/keys/cipher.js';
import { ensureDevKeyStore } from '../security/keys/dev-keystore.js';
import { encryptBracketedSecrets } from '../security/keys/encrypt-secrets.js';
import { writeFileAtomic } from '../config/file-write.js';
import { primaryKeyStoreOf } from '../security/security-config.js';
import { readStdin } from './terminal-input.js';
import { reportError } from './report-error.js';

function parse(text: string, file: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) throw new MiError(Errors.CONFIG_PARSE, `${file}:${err.line}:${err.column}  ${err.message.split('\n')[0]}`);
    throw err;
  }
}

export async function cipherToolCommand(opts: { home: string; encrypt?: boolean }): Promise<void> {
  try {
    const home = path.resolve(opts.home);
    if (!existsSync(home)) throw new MiError(Errors.HOME_MISSING, `home folder ${home} does not exist`);
    const file = path.join(home, 'deployment', 'deployment.toml');
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const warnings: string[] = [];
    const keystore = primaryKeyStoreOf(home, parse(text, file), warnings);
    for (const w of warnings) process.stderr.write(`mi: ${w}\n`);
    if (!keystore.settings()) {
      const line = await ensureDevKeyStore(home);
      if (line) process.stderr.write(`mi: ${line}\n`);
    }
    const publicKey = keystore.get().publicKey;
    if (opts.encrypt) {
      const value = (await readStdin()).replace(/\r?\n$/, '');
      if (value === '') throw new MiError(Errors.SECRET_CIPHER, 'nothing to encrypt: give the value on standard input');
      process.stdout.write(encryptSecret(publicKey, value) + '\n');
      return;
    }
    const { text: out, aliases } = encryptBracketedSecrets(text, file, (plain) => encryptSecret(publicKey, plain));
    if (aliases.length === 0) {
      process.stdout.write(`mi: no [plain text] values under [secrets] in ${file}; nothing to encrypt\n`);
      return;
    }
    writeFileAtomic(file, out);
    process.stdout.write(`mi: encrypted ${aliases.length} secret${aliases.length > 1 ? 's' : ''} under [secrets] in ${file}: ${aliases.join(', ')}\n`);
  } catch (err) {
    reportError(err);
  }
}

