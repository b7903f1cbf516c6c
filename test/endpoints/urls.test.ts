import assert from 'node:assert/strict';
import { requestTarget, safeUrl, scrubUrls, withPostfix } from '../../src/endpoints/urls.js';
import { compileUrlTemplate } from '../../src/endpoints/url-template.js';

describe('endpoint urls', () => {
  it('joins REST_URL_POSTFIX with one slash and merges the query strings', () => {
    assert.equal(withPostfix('http://h/svc', '/a/b'), 'http://h/svc/a/b');
    assert.equal(withPostfix('http://h/svc/', '/a'), 'http://h/svc/a');
    assert.equal(withPostfix('http://h/svc', 'a'), 'http://h/svc/a');
    assert.equal(withPostfix('http://h/svc', '?x=1'), 'http://h/svc?x=1');
    assert.equal(withPostfix('http://h/svc?k=v', '/a?x=1'), 'http://h/svc/a?k=v&x=1');
    assert.equal(withPostfix('http://h/svc', ''), 'http://h/svc');
    assert.equal(withPostfix('http://h/svc', undefined), 'http://h/svc');
  });

  it('never shows userinfo', () => {
    assert.equal(safeUrl('https://user:pw@h:8443/p?q=1'), 'https://h:8443/p?q=1');
    assert.equal(scrubUrls('failed: http://u:p@h/x and https://a@b/c'), 'failed: http://h/x and https://b/c');
  });
});

describe('the request target sent to a backend', () => {
  it('keeps encoded dots as data, resolves literal ones and never climbs above the root', () => {
    assert.equal(requestTarget('http://h/base/%2E%2E/x').path, '/base/%2E%2E/x');
    assert.equal(requestTarget('http://h/base/%2e./x?q=../y').path, '/base/%2e./x?q=../y');
    assert.equal(requestTarget('http://h/a/./b/../c/').path, '/a/c/');
    assert.equal(requestTarget('http://h/a/../../../etc').path, '/etc');
  });

  it('treats a backslash as data, not as a slash', () => {
    assert.equal(requestTarget('http://h/base/..\\admin').path, '/base/..%5Cadmin');
  });

  it('percent-encodes what a request line cannot carry, drops the fragment and the userinfo', () => {
    const t = requestTarget("http://u:secret@h:8080/a b/\u00fc?q=a b'#frag");
    assert.equal(t.origin, 'http://h:8080');
    assert.equal(t.path, '/a%20b/%C3%BC?q=a%20b%27');
    assert.equal(t.href, 'http://h:8080/a%20b/%C3%BC?q=a%20b%27');
    assert.equal(requestTarget('http://h').path, '/');
    assert.equal(requestTarget('http://h?x=1').path, '/?x=1');
  });
});

describe('uri-template variables in an endpoint URL', () => {
  const expand = (t: string, vars: Record<string, string>): string => compileUrlTemplate(t).expand((n) => vars[n]);

  it('writes a variable that is a dot segment with encoded dots, in simple and reserved expansion', () => {
    assert.equal(expand('http://h/base/{x}', { x: '..' }), 'http://h/base/%2E%2E');
    assert.equal(expand('http://h/base/{x}/y', { x: '.' }), 'http://h/base/%2E/y');
    assert.equal(expand('http://h/base/{+x}', { x: 'a/../../b' }), 'http://h/base/a/%2E%2E/%2E%2E/b');
    assert.equal(expand('http://h/base/{+x}', { x: '%2e%2E/b' }), 'http://h/base/%2E%2E/b');
    assert.equal(requestTarget(expand('http://h/base/{x}', { x: '..' })).path, '/base/%2E%2E');
  });

  it('keeps slashes of a simple variable encoded, and ordinary dots as they are', () => {
    assert.equal(expand('http://h/base/{x}', { x: '../admin' }), 'http://h/base/..%2Fadmin');
    assert.equal(expand('http://h/files/{x}', { x: 'report.v2.pdf' }), 'http://h/files/report.v2.pdf');
    assert.equal(expand('http://h/files/{x}', { x: '...' }), 'http://h/files/...');
  });
});
