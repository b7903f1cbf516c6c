/**
 * What `mi cipher-tool` does to deployment.toml: every `[secrets]` value written as "[plain text]" becomes
 * its Base64 cipher text, in place; every other byte of the file stays as it was. Values already encrypted
 * are left alone, so running it again changes nothing.
 */
import { parse as parseToml } from 'smol-toml';
import { Errors, MiError } from '../../errors.js';
import { BRACKETED } from '../security-config.js';
import { scanOrFail, tomlValue, verifyEdit } from '../../config/toml-text.js';

export interface EncryptResult {
  text: string;
  /** The aliases encrypted, in file order. */
  aliases: string[];
}

export function encryptBracketedSecrets(text: string, file: string, encrypt: (plain: string) => string): EncryptResult {
  const edits: { start: number; end: number; alias: string; cipher: string }[] = [];
  for (const s of scanOrFail(text, file)) {
    if (s.kind !== 'keyval' || s.path.length !== 2 || s.path[0] !== 'secrets') continue;
    const v = tomlValue(text.slice(s.valueStart, s.valueEnd), file);
    if (typeof v !== 'string' || !BRACKETED.test(v)) continue;
    edits.push({ start: s.valueStart, end: s.valueEnd, alias: s.path[1]!, cipher: encrypt(v.slice(1, -1)) });
  }
  // pieces in file order, joined once: splicing the whole text per secret was quadratic in their number
  const pieces: string[] = [];
  let at = 0;
  for (const e of edits) {
    pieces.push(text.slice(at, e.start), `"${e.cipher}"`);
    at = e.end;
  }
  pieces.push(text.slice(at));
  const out = pieces.join('');
  verifyEdit(text, out, (doc) => {
    const secrets = doc['secrets'] as Record<string, unknown>;
    for (const e of edits) secrets[e.alias] = e.cipher;
  }, file);
  const left = Object.entries(((parseToml(out) as Record<string, unknown>)['secrets'] ?? {}) as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'string' && BRACKETED.test(v))
    .map(([k]) => k);
  if (left.length) {
    throw new MiError(Errors.SECRET_NOT_ENCRYPTED, `${file}: [secrets] ${left.join(', ')} are written in a form this tool does not edit (an inline table or dotted keys); move them under a [secrets] header`);
  }
  return { text: out, aliases: edits.map((e) => e.alias) };
}
