/**
 * deployment.toml readers on thousands of generated hostile files: the typed configuration (smol-toml, then
 * every section this runtime reads) and the text editors of `mi cipher-tool` and `mi keystore create`
 * (toml-text.ts). Each returns its result or throws a coded MiError of the catalogue, nothing else, and an
 * edit it makes still parses. Time grows linearly with the input.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parse as parseToml, stringify } from 'smol-toml';
import { configFromText } from '../../src/config/config.js';
import { replaceTable, scanOrFail, verifyEdit } from '../../src/config/toml-text.js';
import { Errors, MiError } from '../../src/errors.js';
import { encryptBracketedSecrets } from '../../src/security/keys/encrypt-secrets.js';
import { assertLinear } from '../helpers/linear-time.js';

const RUNS = 3000;
const CODES = new Set(Object.values(Errors).map((e) => e.code));
const FILE = 'deployment.toml';
const fakeEncrypt = (plain: string): string => Buffer.from(`enc(${plain})`).toString('base64');

function coded(err: unknown): void {
  assert.ok(err instanceof MiError, `not a coded error: ${(err as Error)?.stack ?? String(err)}`);
  assert.ok(CODES.has(err.code), `code ${err.code} is not in the catalogue`);
  assert.doesNotMatch(err.message, /\n\s+at /, 'no stack in the message');
}

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    coded(err);
    return undefined;
  }
}

const PIECES = [
  '[', ']', '[[', ']]', '=', ' = ', '"', "'", '"""', "'''", '\\', '\\"', '\\u00e9', '\\U0001F600', '\\x', '\n', '\r\n', '\r', '#', '.',
  ',', '{', '}', ' ', '\t', 'a', 'key', '"quoted key"', "'lit'", '1', '-0', '+inf', 'nan', '0x1F', '0o7', '0b1', '1_000', '1e999',
  '99999999999999999999', '3.14', 'true', 'false', '1979-05-27T07:32:00Z', '07:32:00', '1979-05-27', '$env{HOME}', '$env{NOPE_X}',
  '$sys{carbon.home}', '$secret{alias}', '$secret{', '[secrets]', '[server]', '[keystore.primary]', '[[external_vault]]', '[transport.http]',
  'offset', 'hostname', 'max_body_size', 'listener.port', 'file_name', 'password', 'password_file', 'type', 'PEM', 'PKCS12', 'JKS',
  '"[plain]"', '__proto__', 'constructor', '\u0000', '\u2028', '\ufeff',
];
const soup = fc.array(fc.constantFrom(...PIECES), { maxLength: 100 }).map((p) => p.join(''));

const SECTIONS: Record<string, string[]> = {
  server: ['offset', 'hostname', 'bind_address', 'hot_deployment', 'max_body_size', 'max_xml_depth', 'request_timeout', 'headers_timeout', 'keep_alive_timeout', 'shutdown_grace_period', 'enable_basic_auth', 'unknown'],
  'transport.http': ['listener.port', 'listener.secured_port', 'listener.enable', 'listener.secured_protocols', 'listener.preferred_ciphers', 'listener.verify_client', 'listener.truststore.location', 'listener.client_certificate_header', 'listener.trusted_proxies', 'listener.ssl_profile.read_interval', 'server_header', 'max_http_connection_per_host_port'],
  http_access_log: ['enable'],
  mediation: ['correlation_header_name'],
  'masking_pattern.properties': ['CARD', 'CARD.replacer', 'X.replace_pattern'],
  secrets: ['alias', 'other'],
  'keystore.primary': ['file_name', 'type', 'password', 'password_file', 'alias', 'key_password', 'allow_default', 'key_file'],
  truststore: ['file_name', 'type', 'password'],
  secure_vault: ['cache_duration', 'docker_secrets_dir', 'file_secrets_dir'],
  synapse_properties: ['a.b', 'x'],
};
const scalar = fc.oneof(
  fc.constantFrom('$env{HOME}', '$env{NOPE_X}', '$sys{carbon.home}', '$secret{alias}', '[plain text]', 'PEM', 'PKCS12', 'JKS', 'none', 'require', 'TLSv1.2', '', '../../etc', 'x.pem'),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
);
const tomlValue = fc.oneof({ arbitrary: scalar, weight: 6 }, { arbitrary: fc.array(scalar, { maxLength: 4 }), weight: 1 }, { arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), scalar, { maxKeys: 3 }), weight: 1 });
const structured = fc
  .array(fc.tuple(fc.constantFrom(...Object.keys(SECTIONS), 'external_vault'), fc.array(fc.tuple(fc.nat(), tomlValue), { maxLength: 5 })), { maxLength: 6 })
  .map((sections) => {
    const doc: Record<string, unknown> = {};
    for (const [name, entries] of sections) {
      const table: Record<string, unknown> = {};
      const keys = SECTIONS[name] ?? ['name', 'address', 'rootToken', 'engineVersion', 'cachableDuration', 'roleId', 'secretId'];
      for (const [k, v] of entries) {
        // dotted names become nested tables, as TOML reads `listener.port = 1`
        const parts = keys[k % keys.length]!.split('.');
        let t = table;
        for (const p of parts.slice(0, -1)) t = (t[p] = typeof t[p] === 'object' && t[p] !== null && !Array.isArray(t[p]) ? t[p] : {}) as Record<string, unknown>;
        t[parts.at(-1)!] = v;
      }
      if (name === 'external_vault') doc['external_vault'] = [table];
      else {
        const [a, b] = name.split('.');
        if (b) doc[a!] = { ...(doc[a!] as object), [b]: table };
        else doc[a!] = table;
      }
    }
    try {
      return stringify(doc);
    } catch {
      return '';
    }
  });
const hostile = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), soup, structured);

describe('deployment.toml readers on generated input', function () {
  this.timeout(180_000);
  let home: string;
  before(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-toml-prop-'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('the configuration: a Config or a coded error, for random text, soups and structured files', () => {
    let configs = 0;
    fc.assert(fc.property(hostile, (text) => {
      if (attempt(() => configFromText(home, text, FILE))) configs++;
    }), { numRuns: RUNS * 2 });
    assert.ok(configs > RUNS / 20, `only ${configs} files gave a configuration: the generators miss the readable paths`);
  });

  it('structured files only: a Config or a coded error', () => {
    fc.assert(fc.property(structured, (text) => void attempt(() => configFromText(home, text, FILE))), { numRuns: RUNS });
  });

  it('mi cipher-tool on any file: an edit that parses, or a coded error', () => {
    fc.assert(fc.property(hostile, (text) => {
      const r = attempt(() => encryptBracketedSecrets(text, FILE, fakeEncrypt));
      if (r) parseToml(r.text);
    }), { numRuns: RUNS });
  });

  it('mi keystore create on any file: an edit that parses and holds the new section, or a coded error', () => {
    const body = '[keystore.primary]\nfile_name = "primary.p12"\ntype = "PKCS12"';
    fc.assert(fc.property(hostile, (text) => {
      const after = attempt(() => {
        const out = replaceTable(text, ['keystore', 'primary'], body);
        verifyEdit(text, out, (doc) => {
          const ks = (doc['keystore'] ??= {}) as Record<string, unknown>;
          ks['primary'] = { file_name: 'primary.p12', type: 'PKCS12' };
        }, FILE);
        return out;
      });
      if (after !== undefined) assert.equal(((parseToml(after)['keystore'] as Record<string, Record<string, unknown>>)['primary']!)['file_name'], 'primary.p12');
    }), { numRuns: RUNS });
  });

  it('the scanner: statements or a coded error', () => {
    fc.assert(fc.property(hostile, (text) => void attempt(() => scanOrFail(text, FILE))), { numRuns: RUNS });
  });

  describe('time grows linearly with the input', () => {
    const keyvals = (n: number): string => `[synapse_properties]\n${Array.from({ length: n }, (_, i) => `key${i} = "value ${i}"`).join('\n')}\n`;
    const secrets = (n: number): string => `[secrets]\n${Array.from({ length: n }, (_, i) => `alias${i} = "[plain ${i}]"`).join('\n')}\n`;
    const cases: [string, (n: number) => string, number][] = [
      ['many keys', keyvals, 3000],
      ['many tables', (n) => Array.from({ length: n }, (_, i) => `[t${i}]\na = ${i}`).join('\n'), 2000],
      ['many array tables', (n) => Array.from({ length: n }, (_, i) => `[[external_vault]]\nname = "v${i}"`).join('\n'), 6000],
      ['many unknown [server] keys', (n) => `[server]\n${Array.from({ length: n }, (_, i) => `k${i} = ${i}`).join('\n')}`, 2000],
      ['a long string with escapes', (n) => `[synapse_properties]\ns = "${'\\u00e9\\t\\"x'.repeat(n)}"\nm = """${'a\\\n '.repeat(n)}"""\n`, 10000],
      ['long comments and blank lines', (n) => `${'# comment\n\n'.repeat(n)}[server]\noffset = 1\n`, 50000],
      ['long arrays', (n) => `[synapse_properties]\na = [${Array.from({ length: n }, (_, i) => i).join(', ')}]\nb = [${'"x", '.repeat(n)}]\n`, 20000],
      ['many placeholders', (n) => `[synapse_properties]\n${Array.from({ length: n }, (_, i) => `p${i} = "$env{HOME}/$sys{carbon.home}/${i}"`).join('\n')}\n`, 2000],
      ['unclosed strings and brackets', (n) => `a = "${'x'.repeat(n)}\n${'['.repeat(n)}\nb = '${"'".repeat(n)}`, 50000],
      ['deeply nested arrays', (n) => Array.from({ length: n }, (_, i) => `k${i} = ${'['.repeat(60)}${']'.repeat(60)}`).join('\n'), 800],
    ];
    for (const [label, make, n] of cases) it(`reading: ${label}`, () => void assertLinear(label, make, n, (t) => void attempt(() => configFromText(home, t, FILE))));
    it('mi cipher-tool: many bracketed secrets', () => void assertLinear('cipher-tool', secrets, 1000, (t) => void attempt(() => encryptBracketedSecrets(t, FILE, fakeEncrypt))));
    it('mi keystore create: a long file', () => void assertLinear('keystore create', keyvals, 3000, (t) => void attempt(() => replaceTable(t, ['keystore', 'primary'], '[keystore.primary]\nfile_name = "p.p12"'))));
    it('the scanner: nested and long input', () => void assertLinear('scanner', (n) => `${keyvals(n)}${Array.from({ length: n }, (_, i) => `n${i} = ${'['.repeat(50)}{ a = "]" }${']'.repeat(50)}`).join('\n')}`, 3000, (t) => void attempt(() => scanOrFail(t, FILE))));
  });
});
