import assert from 'node:assert/strict';
import { safeUrl, scrubUrls, withPostfix } from '../../src/endpoints/urls.js';

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
