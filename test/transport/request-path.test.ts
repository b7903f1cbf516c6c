import assert from 'node:assert/strict';
import { resolveRequestPath } from '../../src/transport/request-path.js';
import { MiError } from '../../src/errors.js';

describe('request path resolution at the listener', () => {
  it('resolves dot segments written plainly or percent-encoded, in any case and mix', () => {
    assert.equal(resolveRequestPath('/services/P/a/../b'), '/services/P/b');
    assert.equal(resolveRequestPath('/services/P/a/%2e%2e/b'), '/services/P/b');
    assert.equal(resolveRequestPath('/services/P/a/%2E./b'), '/services/P/b');
    assert.equal(resolveRequestPath('/services/P/a/.%2E/b'), '/services/P/b');
    assert.equal(resolveRequestPath('/services/P/a/%2e/b/.'), '/services/P/a/b/');
    assert.equal(resolveRequestPath('/a/b/..'), '/a/');
  });

  it('leaves ordinary paths (and the same object) alone', () => {
    for (const p of ['/', '/services/P', '/api/v1.2/file.txt', '/a//b', '/a/...', '/a/..%2Fb', '/a/%252e%252e']) assert.equal(resolveRequestPath(p), p);
  });

  it('treats a backslash as data', () => {
    assert.equal(resolveRequestPath('/services/P/..\\admin'), '/services/P/..%5Cadmin');
  });

  it('refuses a path that climbs above the root with MI_REQ_011', () => {
    for (const p of ['/..', '/a/../..', '/%2e%2e/etc', '/a/%2E./%2e./x']) {
      assert.throws(
        () => resolveRequestPath(p),
        (e: unknown) => e instanceof MiError && e.code === 'MI_REQ_011' && e.status === 400,
      );
    }
  });
});
