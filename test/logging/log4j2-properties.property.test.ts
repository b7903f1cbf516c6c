/**
 * The log4j2.properties reader on thousands of generated hostile files: random text, soups of the format's
 * own pieces (keys, separators, continuations, escapes, substitutions, pattern converters) and structured
 * files with hostile values. It returns a model or throws the coded MI_LOG_001 error, nothing else, and
 * what it returns is usable (patterns compile, sizes and counts are sane). Its time grows linearly.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MiError } from '../../src/errors.js';
import { compilePattern } from '../../src/logging/pattern-layout.js';
import { readLoggingConfig } from '../../src/logging/setup.js';
import type { LoggingConfig } from '../../src/logging/log4j2-config.js';
import { assertLinear } from '../helpers/linear-time.js';

const HOME = '/nonexistent/mi-home';
const RUNS = 3000;

function read(text: string): LoggingConfig | undefined {
  try {
    return readLoggingConfig(text, 'log4j2.properties', HOME);
  } catch (err) {
    assert.ok(err instanceof MiError, `not a coded error: ${(err as Error)?.stack ?? String(err)}`);
    assert.match(err.code, /^MI_LOG_00\d$/);
    assert.doesNotMatch(err.message, /\n\s+at /, 'no stack in the message');
    return undefined;
  }
}

function checkModel(cfg: LoggingConfig): void {
  for (const a of cfg.appenders.values()) {
    compilePattern(a.pattern, (s) => s);
    if (a.maxBytes !== undefined) assert.ok(Number.isSafeInteger(a.maxBytes) && a.maxBytes > 0, `maxBytes ${a.maxBytes}`);
    if (a.maxFiles !== undefined) assert.ok(Number.isSafeInteger(a.maxFiles) && a.maxFiles >= 0, `maxFiles ${a.maxFiles}`);
    if (a.fileName !== undefined) assert.ok(a.fileName.length > 0);
  }
  for (const l of cfg.loggers) for (const r of l.appenderRefs) assert.ok(cfg.appenders.has(r), `ref ${r}`);
  for (const r of cfg.root.appenderRefs) assert.ok(cfg.appenders.has(r), `root ref ${r}`);
}

const PIECES = [
  'appenders', 'appender.', 'A', 'B', '.type', '.name', '.fileName', '.layout.type', '.layout.pattern', '.policies.size.size',
  '.strategy.max', '.filter.threshold.level', 'loggers', 'logger.', 'L', '.level', '.appenderRef.', '.ref', '.additivity',
  'rootLogger', 'rootLogger.level', 'rootLogger.appenderRef.', ' = ', '=', ':', ' ', '\t', '\\', '\\\\', '\n', '\r\n', '\r', '#',
  '!', '${sys:logfiles.home}', '${env:PATH}', '${env:NOPE:-x}', '${', '}', ':-', 'Console', 'File', 'RollingFile', 'PaxOsgi',
  'PatternLayout', 'INFO', 'debug', 'OFF', 'ALL', 'NOPE', ',', '%d', '%d{', '%d{ISO8601}', '%d{yyyy-MM-dd HH:mm:ss,SSS}',
  '%m', '%mm', '%5p', '%-5p', '%.3p', '%99999999999p', '%c{', '%c{0}', '%c{1}', '%X{', '%X{Correlation-ID}', '%ex', '%n',
  '%%', '%', '{', '}', '\\u00', '\\u0041', '\\uZZZZ', '10MB', '1.5 KB', '0', '-1', '1e9', '99999999999999999999GB', 'NaN',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', '/abs/path.log', '../../up.log', 'true', 'false', '\u0000', '\u2028',
];

const LEVEL_WORDS = ['INFO', 'debug', ' WARN ', 'OFF', 'ALL', 'TRACE', 'FATAL', 'ERROR', 'INFO, A', 'NONE'];

const soup = fc.array(fc.constantFrom(...PIECES), { maxLength: 120 }).map((p) => p.join(''));

const CONVERSIONS = ['%d', '%d{ISO8601}', '%d{HH:mm:ss}', '%m', '%mm', '%5p', '%-5p', '%.3p', '%c', '%c{1}', '%X{Correlation-ID}', '%X', '%ex', '%n', '%%', '%t', '%r', '%pid', ' ', ' - ', '[', ']', '{', '}'];
const pattern = fc.array(fc.oneof({ arbitrary: fc.constantFrom(...CONVERSIONS), weight: 40 }, { arbitrary: fc.constantFrom(...PIECES), weight: 1 }), { maxLength: 12 }).map((p) => p.join(''));
const count = fc.oneof({ arbitrary: fc.constantFrom('20', '0', ' 7 ', '999999'), weight: 4 }, { arbitrary: fc.constantFrom('-1', '1e3', '1000000', 'NaN', '3.5', '0x10', ''), weight: 1 }, { arbitrary: fc.string({ maxLength: 8 }), weight: 1 });
const size = fc.oneof({ arbitrary: fc.constantFrom('10MB', '1 KB', '1.5GB', '100'), weight: 4 }, { arbitrary: fc.constantFrom('0', '0.1', '99999999999999999999GB', 'MB', '', '-5MB', '1e9'), weight: 1 }, { arbitrary: fc.string({ maxLength: 8 }), weight: 1 });
const value = fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }));
const id = fc.oneof({ arbitrary: fc.constantFrom('A', 'B', 'C', 'x.y'), weight: 12 }, { arbitrary: fc.constantFrom('__proto__', 'constructor', ''), weight: 1 }, { arbitrary: fc.string({ maxLength: 6 }), weight: 1 });
const fileName = fc.oneof({ arbitrary: fc.constantFrom('${sys:logfiles.home}/a.log', 'logs/b.log', '/var/log/mi/c.log', '${env:NOPE:-x}/d.log'), weight: 6 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 });
const sometimes = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(a, { freq: 3 });
const structured = fc
  .record({
    appenders: fc.array(
      fc.record({
        id,
        type: fc.oneof({ arbitrary: fc.constantFrom('Console', 'File', 'RollingFile', 'PaxOsgi'), weight: 6 }, { arbitrary: value, weight: 1 }),
        name: fc.option(id, { freq: 6 }),
        pattern: fc.option(fc.oneof({ arbitrary: pattern, weight: 12 }, { arbitrary: value, weight: 1 }), { freq: 8 }),
        fileName: fc.option(fileName, { freq: 12 }),
        size: sometimes(size),
        max: sometimes(count),
        threshold: sometimes(fc.oneof({ arbitrary: fc.constantFrom(...LEVEL_WORDS), weight: 6 }, { arbitrary: value, weight: 1 })),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    loggers: fc.array(
      fc.record({
        id,
        name: fc.option(fc.oneof(fc.constantFrom('org.apache.synapse', 'API_LOGGER', 'a.b.c'), value), { freq: 12 }),
        level: sometimes(fc.oneof({ arbitrary: fc.constantFrom(...LEVEL_WORDS), weight: 6 }, { arbitrary: value, weight: 1 })),
        ref: sometimes(id),
        additivity: sometimes(value),
      }),
      { maxLength: 3 },
    ),
    root: fc.record({ level: sometimes(fc.oneof({ arbitrary: fc.constantFrom(...LEVEL_WORDS), weight: 6 }, { arbitrary: value, weight: 1 })), ref: sometimes(id) }),
    extra: fc.array(fc.tuple(value, value), { maxLength: 4 }),
  })
  .map(({ appenders, loggers, root, extra }) => {
    const out = [`appenders = ${appenders.map((a) => a.id).join(', ')}`];
    for (const a of appenders) {
      const p = `appender.${a.id}.`;
      out.push(`${p}type = ${a.type}`);
      if (a.name !== null) out.push(`${p}name = ${a.name}`);
      if (a.pattern !== null) out.push(`${p}layout.pattern = ${a.pattern}`);
      if (a.fileName !== null) out.push(`${p}fileName = ${a.fileName}`);
      if (a.size !== null) out.push(`${p}policies.size.size = ${a.size}`);
      if (a.max !== null) out.push(`${p}strategy.max = ${a.max}`);
      if (a.threshold !== null) out.push(`${p}filter.threshold.level = ${a.threshold}`);
    }
    out.push(`loggers = ${loggers.map((l) => l.id).join(', ')}`);
    for (const l of loggers) {
      const p = `logger.${l.id}.`;
      if (l.name !== null) out.push(`${p}name = ${l.name}`);
      if (l.level !== null) out.push(`${p}level = ${l.level}`);
      if (l.ref !== null) out.push(`${p}appenderRef.${l.ref}.ref = ${l.ref}`);
      if (l.additivity !== null) out.push(`${p}additivity = ${l.additivity}`);
    }
    if (root.level !== null) out.push(`rootLogger.level = ${root.level}`);
    if (root.ref !== null) out.push(`rootLogger.appenderRef.${root.ref}.ref = ${root.ref}`);
    for (const [k, v] of extra) out.push(`${k} = ${v}`);
    return out.join('\n');
  });

describe('log4j2.properties reader on generated input', function () {
  this.timeout(120_000);

  it('random text: a model or MI_LOG_001, nothing else', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 })), (text) => {
      const cfg = read(text);
      if (cfg) checkModel(cfg);
    }), { numRuns: RUNS });
  });

  it("soups of the format's own pieces: a model or MI_LOG_001, nothing else", () => {
    fc.assert(fc.property(soup, (text) => {
      const cfg = read(text);
      if (cfg) checkModel(cfg);
    }), { numRuns: RUNS });
  });

  it('structured files with hostile values: a model or MI_LOG_001, nothing else', () => {
    let models = 0;
    const reasons = new Map<string, number>();
    fc.assert(fc.property(structured, (text) => {
      let cfg: LoggingConfig | undefined;
      try {
        cfg = readLoggingConfig(text, 'log4j2.properties', HOME);
      } catch (err) {
        const why = (err as Error).message.replace(/'[^']*'/g, "'_'").slice(0, 70);
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
      }
      cfg = read(text);
      if (cfg) {
        checkModel(cfg);
        if (cfg.appenders.size) models++;
      }
    }), { numRuns: RUNS });
    const top = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([w, n]) => `${n} ${w}`);
    assert.ok(models > RUNS / 30, `only ${models} of ${RUNS} files gave a model with appenders: the generator misses the readable paths\n${top.join('\n')}`);
  });

  describe('time grows linearly with the input', () => {
    const appenders = (n: number): string => {
      const ids = Array.from({ length: n }, (_, i) => `A${i}`);
      return [`appenders = ${ids.join(', ')}`, ...ids.map((i) => `appender.${i}.type = Console\nappender.${i}.layout.pattern = %d %p %m%n`)].join('\n');
    };
    const cases: [string, (n: number) => string, number][] = [
      ['many appenders', appenders, 1000],
      ['many loggers with references', (n) => `${appenders(4)}\nloggers = ${Array.from({ length: n }, (_, i) => `L${i}`).join(', ')}\n${Array.from({ length: n }, (_, i) => `logger.L${i}.name = a.b${i}\nlogger.L${i}.level = INFO\nlogger.L${i}.appenderRef.A1.ref = A1`).join('\n')}`, 1000],
      ['many skipped PaxOsgi appenders', (n) => `appenders = ${Array.from({ length: n }, (_, i) => `P${i}`).join(', ')}\n${Array.from({ length: n }, (_, i) => `appender.P${i}.type = PaxOsgi\nappender.P${i}.filter = x`).join('\n')}`, 2000],
      ['many unknown keys', (n) => Array.from({ length: n }, (_, i) => `unknown.key${i} = ${i}`).join('\n'), 8000],
      ['a long continued line', (n) => `appenders = A\nappender.A.type = Console\nappender.A.layout.pattern = %m${' x \\\n'.repeat(n)}%n`, 30000],
      ['backslash runs and continuations', (n) => `k = ${'\\'.repeat(n)}\nj = ${'\\\\'.repeat(n)}\n${'\\\n'.repeat(n)}`, 10000],
      ['values full of inner spaces', (n) => `k = ${'a '.repeat(n)}b\nj = ${' \t'.repeat(n)}x`, 400000],
      ['a pattern of many conversions', (n) => `appenders = A\nappender.A.type = Console\nappender.A.layout.pattern = ${'%d{HH:mm} %-5p %c{1} %X{Correlation-ID} '.repeat(n)}%m%n`, 5000],
      ['a pattern of unclosed braces', (n) => `appenders = A\nappender.A.type = Console\nappender.A.layout.pattern = ${'%d{'.repeat(n)}`, 100000],
      ['escapes and substitutions, closed and not', (n) => `k = ${'\\u0041\\t${sys:carbon.home}${env:NOPE:-d}'.repeat(n)}\nj = ${'${env:a'.repeat(n)}`, 3000],
    ];
    for (const [label, make, n] of cases) it(label, () => void assertLinear(label, make, n, (t) => read(t)));
  });
});
