import assert from 'node:assert/strict';
import { SecretMasker } from '../../src/logging/secret-masker.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('secret masker: forms derived from a revealed secret', () => {
  const secret = 'pa55-w0rd!"x';

  it('masks the Base64 of the secret, alone or inside a longer encoded value', () => {
    const m = new SecretMasker();
    m.add(secret);
    assert.equal(m.mask(`token ${b64(secret)} end`), 'token ***** end');
    assert.doesNotMatch(m.mask(`Authorization: Basic ${b64(`orders:${secret}`)}`), new RegExp(b64(`orders:${secret}`).slice(10)));
    for (const user of ['a', 'ab', 'abc', 'service-account']) {
      const basic = b64(`${user}:${secret}`);
      const masked = m.mask(basic);
      assert.match(masked, /\*\*\*\*\*/, `Basic value for user '${user}'`);
      // what is left decodes to no more than two bytes of the secret
      const left = masked.split('*****').join('');
      assert.ok(left.length <= b64(`${user}:`).length + 3, `${user}: ${masked}`);
    }
  });

  it('masks the secret percent-encoded (either way a URL encodes it) and JSON-escaped', () => {
    const m = new SecretMasker();
    m.add(secret);
    for (const form of [encodeURIComponent(secret), encodeURI(secret), JSON.stringify(secret).slice(1, -1)]) assert.equal(m.mask(`[${form}]`), '[*****]');
  });

  it('masks a longer secret whole even when a shorter one is inside it', () => {
    const m = new SecretMasker();
    m.add('inner');
    m.add('outer-inner-outer');
    assert.equal(m.mask('x outer-inner-outer y inner'), 'x ***** y *****');
  });

  it('does not mask ordinary words for a short secret', () => {
    const m = new SecretMasker();
    m.add('abcd');
    assert.equal(m.mask('YWJj is not enough'), 'YWJj is not enough');
  });
});
