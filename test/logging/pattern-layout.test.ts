import assert from 'node:assert/strict';
import { compilePattern, PatternError } from '../../src/logging/pattern-layout.js';
import { compileMaskRules, maskWith, MaskingConfigError } from '../../src/logging/masking.js';
import { parseProperties } from '../../src/logging/properties-file.js';
import { SecretMasker } from '../../src/logging/secret-masker.js';

const at = new Date(2026, 10, 22, 10, 15, 3, 998);
const ev = (message: string, extra: Partial<Parameters<ReturnType<typeof compilePattern>>[0]> = {}) => ({
  time: at,
  level: 'INFO',
  logger: 'org.apache.synapse.mediators.builtin.LogMediator',
  message,
  ...extra,
});

describe('log4j2 pattern layout', () => {
  it("formats Micro Integrator's console pattern exactly", () => {
    const f = compilePattern('[%d] %5p {%c{1}} - %mm%ex%n', (s) => s);
    assert.equal(f(ev('{api:OrderAPI} To: /orders')), '[2026-11-22 10:15:03,998]  INFO {LogMediator} - {api:OrderAPI} To: /orders\n');
  });
  it('pads left and right, truncates, and shortens logger names', () => {
    assert.equal(compilePattern('%-5p|', (s) => s)(ev('x', { level: 'WARN' })), 'WARN |');
    assert.equal(compilePattern('%c{2}', (s) => s)(ev('x')), 'builtin.LogMediator');
    assert.equal(compilePattern('%.3p', (s) => s)(ev('x', { level: 'ERROR' })), 'ROR');
  });
  it('formats %d with a Java pattern and named formats', () => {
    assert.equal(compilePattern('%d{yyyy-MM-dd HH:mm:ss,SSS}', (s) => s)(ev('x')), '2026-11-22 10:15:03,998');
    assert.equal(compilePattern('%d{ABSOLUTE}', (s) => s)(ev('x')), '10:15:03,998');
  });
  it('prints %X{Correlation-ID}, %% and the exception after the message', () => {
    const f = compilePattern('%X{Correlation-ID}|100%%|%m%ex', (s) => s);
    const err = new Error('boom');
    const out = f(ev('msg', { context: { 'Correlation-ID': 'abc' }, error: err }));
    assert.ok(out.startsWith('abc|100%|msg\nError: boom'));
  });
  it('masks with %mm and never with %m', () => {
    const mask = maskWith(compileMaskRules({ CARD: '4[0-9]{6,}' }));
    assert.equal(compilePattern('%mm', mask)(ev('card 4111111111111111 ok')), 'card ***** ok');
    assert.equal(compilePattern('%m', mask)(ev('card 4111111111111111 ok')), 'card 4111111111111111 ok');
  });
  it('writes control characters of %m, %mm, %X and an error message visibly; the stack frames keep their lines', () => {
    const f = compilePattern('%X{Correlation-ID}|%m|%mm%ex', (s) => s);
    const err = new Error('bad user\r\n[2026-01-01] INFO forged');
    const out = f(ev('a\nb\u001b[31m\tc', { context: { 'Correlation-ID': 'id\u0085x' }, error: err }));
    const lines = out.split('\n');
    assert.equal(lines[0], 'id\\u0085x|a\\nb\\u001b[31m\tc|a\\nb\\u001b[31m\tc');
    assert.equal(lines[1], 'Error: bad user\\r\\n[2026-01-01] INFO forged');
    assert.ok(lines.slice(2).every((l) => /^\s+at /.test(l)), 'then only stack frames');
  });
  it('rejects an unknown converter, naming it', () => {
    assert.throws(() => compilePattern('%d %q %m', (s) => s), (e: Error) => e instanceof PatternError && /%q/.test(e.message));
  });
});

describe('masking patterns', () => {
  it('replaces the whole match, or only replace_pattern inside it, with the replacer', () => {
    const rules = compileMaskRules({
      CARD: '4[0-9]{12,15}',
      EMAIL: '[a-z]+@[a-z.]+',
      'EMAIL.replace_pattern': '[a-z]+(?=@)',
      'EMAIL.replacer': '#',
    });
    const m = maskWith(rules);
    assert.equal(m('pay 4111111111111111 from john@example.com'), 'pay ***** from #@example.com');
  });
  it("gives the README's worked example", () => {
    const m = maskWith(compileMaskRules({ CARD: '4[0-9]{12,15}', EMAIL: '[a-z.]+@[a-z.]+', 'EMAIL.replace_pattern': '[a-z.]+(?=@)', 'EMAIL.replacer': '#' }));
    assert.equal(m('{api:OrderAPI} card = 4111111111111111, email = jane.doe@example.com'), '{api:OrderAPI} card = *****, email = #@example.com');
  });
  it('fails with the key name for an invalid regular expression', () => {
    assert.throws(() => compileMaskRules({ BROKEN: '([a-z' }), (e: Error) => e instanceof MaskingConfigError && /"BROKEN"/.test(e.message));
  });
  it('fails for a modifier without its pattern', () => {
    assert.throws(() => compileMaskRules({ 'X.replacer': '#' }), /has no pattern "X"/);
  });
});

describe('secret masker', () => {
  it('masks known secrets in every line, also in the escaped form the layout writes', () => {
    const s = new SecretMasker();
    s.add('vault-value-1');
    s.add('two\nlines');
    const f = compilePattern('%m', (x) => x);
    assert.equal(s.mask(f(ev('a vault-value-1 b two\nlines c'))), 'a ***** b ***** c');
  });
});

describe('properties files', () => {
  it('reads keys, values, comments, continuations and escapes', () => {
    const p = parseProperties('# c\n! c\na = 1\nb:2\nc 3\nlong = x \\\n   y\nesc = a\\tb\\u0041\n');
    assert.deepEqual(
      p.map((x) => [x.key, x.value, x.line]),
      [
        ['a', '1', 3],
        ['b', '2', 4],
        ['c', '3', 5],
        ['long', 'x y', 6],
        ['esc', 'a\tbA', 8],
      ],
    );
  });
});
