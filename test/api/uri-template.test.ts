import assert from 'node:assert/strict';
import {
  compileUriTemplate,
  compileUrlMapping,
  DispatchTier,
  MATCH_ANY,
  UriTemplateError,
  type UriMatcher,
} from '../../src/api/uri-template.js';

function m(matcher: UriMatcher, path: string, query = ''): Record<string, string> | undefined {
  return matcher.match(path, query);
}

describe('api/uri-template: compileUriTemplate', () => {
  it('reports its source and kind', () => {
    const t = compileUriTemplate('/view/{symbol}');
    assert.equal(t.source, '/view/{symbol}');
    assert.equal(t.kind, 'uri-template');
    assert.equal(t.precedence, DispatchTier.URI_TEMPLATE);
  });

  describe('literal templates', () => {
    const t = compileUriTemplate('/orders/pending');
    it('matches the exact path', () => assert.deepEqual(m(t, '/orders/pending'), {}));
    it('tolerates one trailing slash on the request', () => assert.deepEqual(m(t, '/orders/pending/'), {}));
    it('does not match two trailing slashes', () => assert.equal(m(t, '/orders/pending//'), undefined));
    it('does not match other paths', () => {
      assert.equal(m(t, '/orders'), undefined);
      assert.equal(m(t, '/orders/pendingX'), undefined);
      assert.equal(m(t, '/orders/pending/x'), undefined);
      assert.equal(m(t, '/Orders/pending'), undefined);
    });
    it('ignores query parameters when the template has no query part', () => {
      assert.deepEqual(m(t, '/orders/pending', 'a=1&b=2'), {});
    });
    it('drops a trailing slash of the template (as Synapse)', () => {
      const s = compileUriTemplate('/orders/');
      assert.deepEqual(m(s, '/orders'), {});
      assert.deepEqual(m(s, '/orders/'), {});
      assert.equal(m(s, '/orders/x'), undefined);
    });
    it('root template "/" matches only "/"', () => {
      const r = compileUriTemplate('/');
      assert.deepEqual(m(r, '/'), {});
      assert.equal(m(r, '/x'), undefined);
      assert.equal(m(r, '/x/'), undefined);
    });
  });

  describe('{var} path variables', () => {
    const t = compileUriTemplate('/view/{symbol}');
    it('extracts one segment', () => assert.deepEqual(m(t, '/view/IBM'), { symbol: 'IBM' }));
    it('tolerates one trailing slash: /view/IBM/ matches /view/{s}', () => {
      assert.deepEqual(m(t, '/view/IBM/'), { symbol: 'IBM' });
    });
    it('does not match across segments or empty values', () => {
      assert.equal(m(t, '/view/IBM/x'), undefined);
      assert.equal(m(t, '/view/'), undefined);
      assert.equal(m(t, '/view'), undefined);
      assert.equal(m(t, '/viewer/IBM'), undefined);
    });
    it('percent-decodes values; "+" stays "+" in the path', () => {
      assert.deepEqual(m(t, '/view/a%20b'), { symbol: 'a b' });
      assert.deepEqual(m(t, '/view/a+b'), { symbol: 'a+b' });
      assert.deepEqual(m(t, '/view/caf%C3%A9'), { symbol: 'café' });
      assert.deepEqual(m(t, '/view/a%2Fb'), { symbol: 'a/b' });
    });
    it('keeps malformed percent-encoding as it came', () => {
      assert.deepEqual(m(t, '/view/100%'), { symbol: '100%' });
    });
    it('accepts characters Synapse treats as reserved (@ : ,)', () => {
      assert.deepEqual(m(t, '/view/a@b.com'), { symbol: 'a@b.com' });
      assert.deepEqual(m(t, '/view/x:y,z'), { symbol: 'x:y,z' });
    });
    it('extracts several variables between literal segments', () => {
      const d = compileUriTemplate('/order/{orderId}/dictionary/{char}/{word}');
      assert.deepEqual(m(d, '/order/A0001/dictionary/c/cat'), { orderId: 'A0001', char: 'c', word: 'cat' });
      assert.equal(m(d, '/order/A0001/dictionary/c'), undefined);
      assert.equal(m(d, '/order/A0001/dict/c/cat'), undefined);
    });
    it('handles /x/{a}/{b}', () => {
      const d = compileUriTemplate('/x/{a}/{b}');
      assert.deepEqual(m(d, '/x/1/2'), { a: '1', b: '2' });
      assert.deepEqual(m(d, '/x/1/2/'), { a: '1', b: '2' });
      assert.equal(m(d, '/x/1'), undefined);
      assert.equal(m(d, '/y/1/2'), undefined);
    });
    it('handles a variable with a literal in the same segment', () => {
      const d = compileUriTemplate('/files/{name}.json');
      assert.deepEqual(m(d, '/files/report.json'), { name: 'report' });
      assert.equal(m(d, '/files/report.xml'), undefined);
      const e = compileUriTemplate('/range/{from}-{to}');
      assert.deepEqual(m(e, '/range/1-2-3'), { from: '1', to: '2-3' });
    });
    it('accepts the variable name characters Synapse accepts', () => {
      const d = compileUriTemplate('/x/{order-id}/{a.b}/{c_1}');
      assert.deepEqual(m(d, '/x/1/2/3'), { 'order-id': '1', 'a.b': '2', c_1: '3' });
    });
    it('requires equal values for a variable used twice', () => {
      const d = compileUriTemplate('/{a}/{a}');
      assert.deepEqual(m(d, '/x/x'), { a: 'x' });
      assert.equal(m(d, '/x/y'), undefined);
    });
    it('supports the {var:N} length modifier', () => {
      const d = compileUriTemplate('/code/{c:3}');
      assert.deepEqual(m(d, '/code/abc'), { c: 'abc' });
      assert.equal(m(d, '/code/ab'), undefined);
      assert.equal(m(d, '/code/abcd'), undefined);
    });
    it('supports comma lists {a,b}', () => {
      const d = compileUriTemplate('/point/{x,y}');
      assert.deepEqual(m(d, '/point/1,2'), { x: '1', y: '2' });
      assert.deepEqual(m(d, '/point/1'), { x: '1', y: '' });
    });
    it('returns a fresh object per match', () => {
      const a = m(t, '/view/A')!;
      a['symbol'] = 'changed';
      assert.deepEqual(m(t, '/view/A'), { symbol: 'A' });
    });
  });

  describe('operators', () => {
    it('{+var} matches across segments', () => {
      const t = compileUriTemplate('/files/{+path}');
      assert.deepEqual(m(t, '/files/a/b/c.txt'), { path: 'a/b/c.txt' });
      assert.deepEqual(m(t, '/files/a/b/'), { path: 'a/b' });
      assert.equal(m(t, '/files/'), undefined);
    });
    it('{+var} followed by a literal', () => {
      const t = compileUriTemplate('/repo/{+path}/raw');
      assert.deepEqual(m(t, '/repo/a/b/raw'), { path: 'a/b' });
    });
    it('{/var} and {.var}', () => {
      const t = compileUriTemplate('/doc{/id}{.ext}');
      assert.deepEqual(m(t, '/doc/readme.md'), { id: 'readme', ext: 'md' });
      assert.equal(m(t, '/doc/readme'), undefined);
    });
  });

  describe('wildcards', () => {
    it('trailing /* matches the prefix and anything below it', () => {
      const t = compileUriTemplate('/foo/*');
      assert.deepEqual(m(t, '/foo'), {});
      assert.deepEqual(m(t, '/foo/'), {});
      assert.deepEqual(m(t, '/foo/bar/baz'), {});
      assert.equal(m(t, '/foobar'), undefined);
      assert.equal(m(t, '/bar/foo'), undefined);
    });
    it('/* matches every sub-path', () => {
      const t = compileUriTemplate('/*');
      for (const p of ['/', '/a', '/a/b/c/']) assert.deepEqual(m(t, p), {});
    });
    it('trailing * without slash matches any continuation', () => {
      const t = compileUriTemplate('/foo*');
      assert.deepEqual(m(t, '/foo'), {});
      assert.deepEqual(m(t, '/foobar'), {});
      assert.deepEqual(m(t, '/foo/x'), {});
      assert.equal(m(t, '/fo'), undefined);
    });
    it('variables before a wildcard take the whole segment', () => {
      const t = compileUriTemplate('/{id}/*');
      assert.deepEqual(m(t, '/abc'), { id: 'abc' });
      assert.deepEqual(m(t, '/abc/def/ghi'), { id: 'abc' });
      const u = compileUriTemplate('/{id}*');
      assert.deepEqual(m(u, '/abc/def'), { id: 'abc' });
    });
    it('a * in the middle is a literal character', () => {
      const t = compileUriTemplate('/a/*/b');
      assert.deepEqual(m(t, '/a/*/b'), {});
      assert.equal(m(t, '/a/x/b'), undefined);
    });
  });

  describe('query templates', () => {
    const t = compileUriTemplate('/view?symbol={sym}&x={y}');
    it('matches parameters by name', () => {
      assert.deepEqual(m(t, '/view', 'symbol=IBM&x=1'), { sym: 'IBM', y: '1' });
    });
    it('matches parameters in any order', () => {
      assert.deepEqual(m(t, '/view', 'x=1&symbol=IBM'), { sym: 'IBM', y: '1' });
    });
    it('allows extra parameters', () => {
      assert.deepEqual(m(t, '/view', 'a=0&x=1&b=2&symbol=IBM&c'), { sym: 'IBM', y: '1' });
    });
    it('requires every template parameter', () => {
      assert.equal(m(t, '/view', 'symbol=IBM'), undefined);
      assert.equal(m(t, '/view', ''), undefined);
      assert.equal(m(t, '/view', 'symbolx=IBM&x=1'), undefined);
    });
    it('accepts an empty value for a variable, but not a name without "=" (as Synapse)', () => {
      assert.deepEqual(m(t, '/view', 'symbol=&x='), { sym: '', y: '' });
      assert.equal(m(t, '/view', 'symbol&x=2'), undefined);
    });
    it('decodes %xx and + in values and names', () => {
      assert.deepEqual(m(t, '/view', 'symbol=a+b%20c%26d&x=%E2%82%AC'), { sym: 'a b c&d', y: '€' });
      const n = compileUriTemplate('/q?first name={v}');
      assert.deepEqual(m(n, '/q', 'first+name=Jo'), { v: 'Jo' });
    });
    it('takes the first of duplicate parameters', () => {
      assert.deepEqual(m(t, '/view', 'symbol=A&symbol=B&x=1'), { sym: 'A', y: '1' });
    });
    it('still checks the path part', () => {
      assert.equal(m(t, '/other', 'symbol=IBM&x=1'), undefined);
      assert.deepEqual(m(t, '/view/', 'symbol=IBM&x=1'), { sym: 'IBM', y: '1' });
    });
    it('combines path and query variables', () => {
      const c = compileUriTemplate('/orders/{id}?fields={f}');
      assert.deepEqual(m(c, '/orders/7', 'fields=a,b'), { id: '7', f: 'a,b' });
    });
    it('literal and presence-only query parameters', () => {
      const c = compileUriTemplate('/export?format=json&debug');
      assert.deepEqual(m(c, '/export', 'debug&format=json'), {});
      assert.equal(m(c, '/export', 'debug&format=xml'), undefined);
      assert.equal(m(c, '/export', 'format=json'), undefined);
    });
    it('a query-only template matches the API root', () => {
      const c = compileUriTemplate('?symbol={s}');
      assert.deepEqual(m(c, '/', 'symbol=IBM'), { s: 'IBM' });
      assert.equal(m(c, '/x', 'symbol=IBM'), undefined);
    });
    it('works when several templates parse different query strings in turn', () => {
      const a = compileUriTemplate('/a?p={v}');
      assert.deepEqual(m(a, '/a', 'p=1'), { v: '1' });
      assert.deepEqual(m(a, '/a', 'p=2'), { v: '2' });
      assert.deepEqual(m(a, '/a', 'p=1'), { v: '1' });
    });
  });

  describe('invalid templates', () => {
    const bad: Array<[string, RegExp]> = [
      ['/view/{symbol', /unbalanced '\{' at position 7: missing '\}'/],
      ['/view/symbol}', /unbalanced '\}' at position 13/],
      ['/view/{a{b}}', /'\{' at position 9 inside the expression/],
      ['/view/{}', /empty variable name '\{\}'/],
      ['/view/{+}', /empty variable name in '\{\+\}'/],
      ['/view/{a,}', /empty variable name in '\{a,\}'/],
      ['/view/{a b}', /invalid character ' ' in variable name 'a b'/],
      ['/view/{a*}', /explode modifier/],
      ['/view/{a:0}', /length after ':'/],
      ['/view/{#frag}', /fragment expressions are not supported/],
      ['/view{?q}', /write the query as '\?name=\{var\}'/],
      ['/view?q={a}x', /single \{variable\} or a literal/],
      ['/view?q={a', /unbalanced '\{' in query parameter 'q'/],
      ['/view?{q}={a}', /the name must be literal/],
      ['/view?q={}', /empty variable name/],
      ['view/{a}', /must start with '\/'/],
      ['', /it is empty/],
    ];
    for (const [template, message] of bad) {
      it(`rejects ${JSON.stringify(template)}`, () => {
        assert.throws(
          () => compileUriTemplate(template),
          (e: unknown) => {
            assert.ok(e instanceof UriTemplateError, 'is a UriTemplateError');
            assert.ok(e instanceof Error);
            assert.equal(e.name, 'UriTemplateError');
            assert.equal((e as UriTemplateError & { code: string }).code, 'MI_ART_013');
            assert.match(e.message, message);
            if (template !== '') assert.ok(e.message.includes(`'${template}'`), 'names the template');
            return true;
          },
        );
      });
    }
  });
});

describe('api/uri-template: compileUrlMapping', () => {
  it('exact mapping ignores trailing slashes and the query', () => {
    const u = compileUrlMapping('/foo');
    assert.equal(u.kind, 'url-mapping');
    assert.equal(u.source, '/foo');
    assert.equal(u.precedence, DispatchTier.EXACT);
    assert.deepEqual(m(u, '/foo'), {});
    assert.deepEqual(m(u, '/foo/'), {});
    assert.deepEqual(m(u, '/foo', 'a=1'), {});
    assert.equal(m(u, '/foo/bar'), undefined);
    assert.equal(m(u, '/foobar'), undefined);
    assert.equal(m(u, '/'), undefined);
  });
  it('exact mapping written with a trailing slash (as Synapse)', () => {
    const u = compileUrlMapping('/foo/bar/');
    assert.deepEqual(m(u, '/foo/bar'), {});
    assert.equal(m(u, '/foo/bar/baz'), undefined);
  });
  it('path prefix /foo/* matches /foo, /foo/ and below, on segment boundaries', () => {
    const u = compileUrlMapping('/foo/*');
    for (const p of ['/foo', '/foo/', '/foo/bar', '/foo/bar/baz']) assert.deepEqual(m(u, p), {}, p);
    for (const p of ['/foobar', '/fo', '/', '/bar/foo']) assert.equal(m(u, p), undefined, p);
  });
  it('longer prefixes rank before shorter ones', () => {
    const a = compileUrlMapping('/a/*');
    const ab = compileUrlMapping('/a/b/*');
    assert.ok(ab.precedence! < a.precedence!);
    assert.ok(compileUrlMapping('/x').precedence! < ab.precedence!);
    assert.ok(a.precedence! < compileUrlMapping('/*').precedence!);
    assert.ok(compileUrlMapping('/*').precedence! < compileUrlMapping('*.jsp').precedence!);
    assert.ok(compileUrlMapping('*.jsp').precedence! < compileUrlMapping('/').precedence!);
    assert.ok(compileUrlMapping('/').precedence! < compileUriTemplate('/x').precedence!);
    assert.ok(compileUriTemplate('/x').precedence! < MATCH_ANY.precedence!);
  });
  it('extension mapping *.jsp', () => {
    const u = compileUrlMapping('*.jsp');
    assert.deepEqual(m(u, '/index.jsp'), {});
    assert.deepEqual(m(u, '/a/b/page.jsp', 'x=1'), {});
    assert.equal(m(u, '/index.jspx'), undefined);
    assert.equal(m(u, '/index.html'), undefined);
  });
  it('/ and /* match everything', () => {
    for (const s of ['/', '/*']) {
      const u = compileUrlMapping(s);
      for (const p of ['/', '/a', '/a/b/c', '/x.jsp']) assert.deepEqual(m(u, p), {}, `${s} ${p}`);
    }
  });
  const bad: Array<[string, RegExp]> = [
    ['', /it is empty/],
    ['foo', /must start with '\/'/],
    ['/a/*/b', /'\*' is only allowed/],
    ['/a*', /'\*' is only allowed/],
    ['*.', /extension after '\*\.' is empty/],
    ['/a?b=1', /no query part/],
    ['/a//*', /empty path segment/],
  ];
  for (const [mapping, message] of bad) {
    it(`rejects ${JSON.stringify(mapping)}`, () => {
      assert.throws(() => compileUrlMapping(mapping), (e: unknown) => {
        assert.ok(e instanceof UriTemplateError);
        assert.match((e as Error).message, message);
        return true;
      });
    });
  }
});

describe('api/uri-template: MATCH_ANY', () => {
  it('matches every sub-path and query without variables', () => {
    assert.equal(MATCH_ANY.kind, 'any');
    for (const p of ['/', '/a', '/a/b/c/']) assert.deepEqual(MATCH_ANY.match(p, 'q=1'), {});
  });
  it('returns a fresh object per call', () => {
    const a = MATCH_ANY.match('/', '')!;
    a['x'] = '1';
    assert.deepEqual(MATCH_ANY.match('/', ''), {});
  });
});
