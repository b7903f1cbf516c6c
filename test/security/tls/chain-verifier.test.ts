/**
 * The chain verifier alone, on `openssl`-made certificates: a verdict is computed once and then read from
 * the cache (synchronously) until it lapses; the cache holds a bounded number of chains; a certificate of
 * the trust store itself is accepted without a path; an acceptance lasts until the first expiry on its path.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ChainVerifier } from '../../../src/security/tls/chain-verifier.js';
import { makeCertificates, type Certificates } from '../gateway/mtls-fixtures.js';

describe('ChainVerifier', function () {
  this.timeout(60_000);
  let certs: Certificates;
  const load = (name: string): X509Certificate => new X509Certificate(readFileSync(path.join(certs.dir, `${name}.pem`)));

  before(() => {
    certs = makeCertificates();
  });

  it('verifies once, then answers from the cache until the verdict lapses', async () => {
    const v = new ChainVerifier([load('root')]);
    const alice = load('alice');
    const inter = load('inter');
    assert.equal(v.cached('k'), undefined);
    const first = await v.verify('k', alice, [inter]);
    assert.ok(first.ok);
    assert.deepEqual(first.ok && first.path, [alice.fingerprint256, inter.fingerprint256, load('root').fingerprint256]);
    // the earliest notAfter of the path: here the leaf's and the intermediate's (made the same day)
    assert.equal(first.until, Math.min(Date.parse(alice.validTo), Date.parse(inter.validTo), Date.parse(load('root').validTo)));
    assert.equal(v.cached('k'), first);
    assert.equal(v.cached('k', first.until + 1), undefined, 'lapsed: computed again on the next request');
  });

  it('keeps at most maxEntries verdicts, dropping the oldest', async () => {
    const v = new ChainVerifier([load('root')], 2);
    for (const k of ['a', 'b', 'c']) await v.verify(k, load('bob'), []);
    assert.equal(v.cached('a'), undefined);
    assert.ok(v.cached('b')?.ok && v.cached('c')?.ok);
  });

  it('accepts a certificate that is itself in the trust store; a refusal is re-checked after a minute', async () => {
    const v = new ChainVerifier([load('root'), load('mallory')]);
    assert.ok((await v.verify('m', load('mallory'), [])).ok);
    const now = Date.now();
    const refused = await new ChainVerifier([load('root')]).verify('m', load('mallory'), [], now);
    assert.equal(refused.ok, false);
    assert.equal(refused.until, now + 60_000);
  });
});
