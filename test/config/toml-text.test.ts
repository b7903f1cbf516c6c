/** deployment.toml edited as text: only the edited values change, every other byte stays. */
import assert from 'node:assert/strict';
import { parse as parseToml } from 'smol-toml';
import { encryptBracketedSecrets } from '../../src/security/keys/encrypt-secrets.js';
import { replaceTable, scanToml } from '../../src/config/toml-text.js';

const fakeEncrypt = (plain: string): string => Buffer.from(`enc(${plain})`).toString('base64');

const TRICKY = `# deployment.toml with the layouts a scanner can trip on
title = "a [bracketed] string that is not a secret"
multi = """
[secrets]
x = "[not a secret either]"
"""
literal_multi = '''
[keystore.primary]
'''
nested = [ [1, 2], ["[a]", "b]"] ]   # arrays of arrays
inline = { a = "[b]", c = { d = 1 } }
date = 1979-05-27T07:32:00Z

[server]
offset = 10 # the default

[secrets]
# the backend's password
backend = "[p@ss word]"   # keep this comment
'quoted.key' = '[literal \\ backslash]'
"with spaces" = "[a\\"quote]"
done = "QUJDRA=="
[secrets.nested]
deep = "[not an alias: a sub-table]"

[[external_vault]]
name = "hashicorp"
`;

describe('deployment.toml text edits', () => {
  it('scans statements with their table paths, skipping strings and arrays that look like headers', () => {
    const paths = scanToml(TRICKY).map((s) => `${s.kind}:${s.path.join('.')}`);
    assert.deepEqual(paths, [
      'keyval:title', 'keyval:multi', 'keyval:literal_multi', 'keyval:nested', 'keyval:inline', 'keyval:date',
      'table:server', 'keyval:server.offset',
      'table:secrets', 'keyval:secrets.backend', 'keyval:secrets.quoted.key', 'keyval:secrets.with spaces', 'keyval:secrets.done',
      'table:secrets.nested', 'keyval:secrets.nested.deep',
      'array-table:external_vault', 'keyval:external_vault.name',
    ]);
  });

  it('encrypts only bracketed [secrets] values, keeping every other byte, and is idempotent', () => {
    const r = encryptBracketedSecrets(TRICKY, 'deployment.toml', fakeEncrypt);
    assert.deepEqual(r.aliases, ['backend', 'quoted.key', 'with spaces']);
    const expected = TRICKY.replace('"[p@ss word]"', `"${fakeEncrypt('p@ss word')}"`)
      .replace("'[literal \\ backslash]'", `"${fakeEncrypt('literal \\ backslash')}"`)
      .replace('"[a\\"quote]"', `"${fakeEncrypt('a"quote')}"`);
    assert.equal(r.text, expected);
    const doc = parseToml(r.text) as { secrets: Record<string, unknown>; multi: string };
    assert.equal(doc.secrets['done'], 'QUJDRA==');
    assert.equal((doc.secrets['nested'] as Record<string, string>)['deep'], '[not an alias: a sub-table]');
    assert.match(doc.multi, /\[not a secret either\]/);
    const again = encryptBracketedSecrets(r.text, 'deployment.toml', fakeEncrypt);
    assert.deepEqual(again.aliases, []);
    assert.equal(again.text, r.text);
  });

  it('keeps CRLF line ends', () => {
    const crlf = '[secrets]\r\na = "[one]"\r\n# note\r\nb = "two"\r\n';
    const r = encryptBracketedSecrets(crlf, 'f', fakeEncrypt);
    assert.equal(r.text, `[secrets]\r\na = "${fakeEncrypt('one')}"\r\n# note\r\nb = "two"\r\n`);
  });

  it('refuses, without changing anything, a layout it cannot edit in place', () => {
    assert.throws(() => encryptBracketedSecrets('secrets = { a = "[x]" }\n', 'f', fakeEncrypt), /MI_SEC_003|inline table/);
    assert.throws(() => encryptBracketedSecrets('[secrets]\na = "[x]"\nb = \n', 'f', fakeEncrypt), (e: Error & { code?: string }) => e.code === 'MI_CFG_001');
  });

  it('replaces a table from its header to its last key, keeping comments after it; appends a missing one', () => {
    const text = '# head\n[keystore.primary]\nfile_name = "old.jks"\npassword = "x" # old\n\n# next: trust\n[truststore]\nfile_name = "t.pem"\n';
    const out = replaceTable(text, ['keystore', 'primary'], '[keystore.primary]\nfile_name = "new.p12"');
    assert.equal(out, '# head\n[keystore.primary]\nfile_name = "new.p12"\n\n# next: trust\n[truststore]\nfile_name = "t.pem"\n');
    assert.equal(replaceTable('[server]\noffset = 1', ['keystore', 'primary'], '[k]\na = 1'), '[server]\noffset = 1\n\n[k]\na = 1\n');
    assert.equal(replaceTable('', ['keystore', 'primary'], '[k]\na = 1'), '[k]\na = 1\n');
    assert.equal(replaceTable('[a]\r\nx = 1\r\n[keystore.primary]\r\ny = 2\r\n', ['keystore', 'primary'], '[keystore.primary]\nz = 3'), '[a]\r\nx = 1\r\n[keystore.primary]\r\nz = 3\r\n');
  });
});
