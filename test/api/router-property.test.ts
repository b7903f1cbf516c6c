/**
 * The uri-template router against generated templates and hostile paths (fast-check): compiling either works
 * or fails with the project's coded error (MI_ART_013), matching and routing never throw, the linear-time
 * matcher answers exactly as the RegExp it replaces, and matching time grows linearly with the path.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ApiRouter, type RoutableApi, type RoutableResource } from '../../src/api/router.js';
import { compileUriTemplate, compileUrlMapping, type UriMatcher } from '../../src/api/uri-template.js';
import { MiError } from '../../src/errors.js';

const literalPiece = fc.constantFrom('a', 'b', 'ab', 'x', '-', '.', ',', '~', '_', 'v1', '%20', '%2F', '%2e', '..', '.', '+', ';', '=', '@', ':', 'ü');
const varName = fc.constantFrom('a', 'b', 'c', 'id', 'x.y', 'n-1', 'A_2');
const expression = fc
  .record({ op: fc.constantFrom('', '', '+', '/', '.'), names: fc.array(varName, { minLength: 1, maxLength: 3 }), len: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }) })
  .map(({ op, names, len }) => `{${op}${(op === '' ? names : names.slice(0, 1)).map((n) => (len ? `${n}:${len}` : n)).join(',')}}`);
const pathTemplate = fc
  .tuple(
    fc.array(fc.oneof(literalPiece, expression, fc.constant('/')), { minLength: 0, maxLength: 12 }),
    fc.constantFrom('', '', '/', '/*', '*'),
    fc.constantFrom('', '', '?q={q}', '?q={q}&page={p}&flag', '?lit=v&x={+x}'),
  )
  .map(([parts, tail, query]) => '/' + parts.join('') + tail + query);
/** Hand-written, well-formed ones plus raw text full of template syntax: both must compile or fail with a code. */
const anyTemplate = fc.oneof(pathTemplate, fc.string({ unit: fc.constantFrom('/', '{', '}', '*', '?', '&', '=', '+', '.', ',', ':', '#', 'a', '1', '%', ';', '!') , maxLength: 30 }));

const hostileSegment = fc.oneof(
  fc.constantFrom('..', '.', '%2e%2e', '%2E.', '.%2e', '%2e', '%2f', '%2F', '..%2f', '%', '%zz', '%e0%a4', '%C3%BC', 'ü', '\n', '\r\n', '\u2028', 'a', 'abc', ',', '-', '.', '~', '+', '*', '{x}', '', ';', 'a.b.c', 'a,b,c'),
  fc.string({ maxLength: 8 }),
);
const hostilePath = fc.oneof(
  fc.array(hostileSegment, { maxLength: 40 }).map((s) => '/' + s.join('/')),
  fc.tuple(hostileSegment, fc.integer({ min: 1, max: 3000 })).map(([s, n]) => '/' + (s === '' ? 'a' : s).repeat(n)),
  fc.tuple(fc.integer({ min: 1, max: 2000 }), hostileSegment).map(([n, s]) => '/' + Array.from({ length: n }, () => s).join('/')),
);
const hostileQuery = fc.oneof(fc.constant(''), fc.string({ maxLength: 20 }), fc.constantFrom('q=1', 'q=%zz', 'q=a+b&q=c', '&&=&', 'x=' + 'a'.repeat(2000)));

/** Compiles, or fails the project's way. */
function compile(template: string, engine?: 'program' | 'regexp'): UriMatcher | undefined {
  try {
    return compileUriTemplate(template, engine);
  } catch (err) {
    assert.ok(err instanceof MiError && err.code === 'MI_ART_013', `'${template}' failed with ${String(err)}`);
    return undefined;
  }
}

describe('uri-template router under generated templates and hostile paths', function () {
  this.timeout(120_000);

  it('compiles every template or refuses it with MI_ART_013; matching never throws', () => {
    fc.assert(
      fc.property(anyTemplate, fc.array(fc.tuple(hostilePath, hostileQuery), { minLength: 1, maxLength: 4 }), (template, requests) => {
        const m = compile(template);
        if (!m) return;
        for (const [path, query] of requests) {
          const vars = m.match(path, query);
          if (vars !== undefined) for (const v of Object.values(vars)) assert.equal(typeof v, 'string');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('answers exactly as the backtracking RegExp it replaces (short paths, where the RegExp is quick)', () => {
    const shortPath = fc.array(fc.constantFrom('a', 'b', 'x', '-', '.', ',', '/', '~', '%2F', 'ü', '1', '\n'), { maxLength: 14 }).map((c) => '/' + c.join(''));
    fc.assert(
      fc.property(pathTemplate, fc.array(fc.tuple(shortPath, fc.constantFrom('', 'q=1', 'q=1&page=2&flag', 'lit=v&x=a/b')), { minLength: 1, maxLength: 6 }), (template, requests) => {
        const viaRegExp = compile(template, 'regexp');
        const viaProgram = compile(template, 'program');
        const auto = compile(template);
        assert.equal(viaProgram === undefined, viaRegExp === undefined);
        if (!viaRegExp || !viaProgram || !auto) return;
        for (const [path, query] of requests) {
          const expected = viaRegExp.match(path, query);
          assert.deepEqual(viaProgram.match(path, query), expected, `${template} on ${JSON.stringify(path)}`);
          assert.deepEqual(auto.match(path, query), expected, `${template} on ${JSON.stringify(path)}`);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('routes hostile requests through many generated APIs without throwing', () => {
    interface Api extends RoutableApi {
      readonly resources: readonly RoutableResource[];
    }
    const resource = fc.tuple(fc.oneof(pathTemplate, pathTemplate, fc.constantFrom('url:/', 'url:/*', 'url:/a/*', 'url:*.json', 'url:/exact/')), fc.option(fc.subarray(['GET', 'POST', 'PUT', 'DELETE']), { nil: undefined }));
    const api = fc.record({
      context: fc.oneof(fc.constantFrom('/', '/a', '/a/b', '/ctx/1.0', '/%2e%2e', '/a/'), fc.array(fc.constantFrom('a', 'b', '..', '%2F', 'v1'), { minLength: 1, maxLength: 4 }).map((s) => '/' + s.join('/'))),
      hostname: fc.option(fc.constantFrom('localhost', 'example.com', '[::1]'), { nil: undefined }),
      port: fc.option(fc.constantFrom(8290, 8253), { nil: undefined }),
      resources: fc.array(resource, { minLength: 1, maxLength: 5 }),
    });
    fc.assert(
      fc.property(
        fc.array(api, { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.constantFrom('GET', 'post', 'PATCH', ''), hostilePath, hostileQuery, fc.constantFrom(undefined, '', 'localhost:8290', '[::1]:8253', 'EXAMPLE.com', ':::')), { minLength: 1, maxLength: 5 }),
        (specs, requests) => {
          const apis: Api[] = [];
          specs.forEach((spec, i) => {
            const resources: RoutableResource[] = [];
            for (const [t, methods] of spec.resources) {
              const matcher = t.startsWith('url:') ? compileUrlMapping(t.slice(4)) : compile(t);
              if (matcher) resources.push({ matcher, methods: methods ? new Set(methods) : undefined });
            }
            apis.push({ name: `api${i}`, context: spec.context, hostname: spec.hostname, port: spec.port, resources });
          });
          const router = new ApiRouter(apis);
          for (const [method, path, query, host] of requests) {
            const r = router.route(method, path, query, host, 8290);
            assert.ok(['match', 'method-not-allowed', 'no-resource', 'no-api'].includes(r.kind));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('matches in time linear in the path length (n against 10n), whatever the template', () => {
    /** Least time of three runs of matching `path`, in ms. */
    const timeOf = (m: UriMatcher, path: string): number => {
      let best = Infinity;
      for (let r = 0; r < 3; r++) {
        const t0 = process.hrtime.bigint();
        m.match(path, '');
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
      }
      return best;
    };
    // templates whose RegExp form backtracks polynomially, plus generated ones
    const templates = ['/{a}{b}{c}/x', '/{a}.{b}.{c}.{d}/x', '/{+a}/{+b}/{+c}/z', '/{+a}{+b}{+c}x', '/{a,b,c}/x', '/{a}-{b}-{c}-{d}', '/{a}*', ...fc.sample(pathTemplate, { numRuns: 40, seed: 42 })];
    const n = 1000;
    let checked = 0;
    for (const template of templates) {
      const m = compile(template);
      if (!m) continue;
      // what makes a backtracking matcher work hardest: the template's own separators, over and over, and no match
      const unit = ([...template.replace(/\{[^}]*\}/g, '')].filter((c) => '.-,/~'.includes(c)).join('') || '.') + 'a';
      const path = (k: number): string => ('/' + unit.repeat(Math.ceil(k / unit.length))).slice(0, k) + '\n';
      m.match(path(n), ''); // warm up
      const small = timeOf(m, path(n));
      const large = timeOf(m, path(10 * n));
      // linear: about 10x; a quadratic matcher would be about 100x, a cubic one 1000x
      assert.ok(large < 40 * small + 25, `${template}: ${small.toFixed(2)} ms for ${n} characters, ${large.toFixed(2)} ms for ${10 * n}`);
      checked++;
    }
    assert.ok(checked > 20);
  });
});
