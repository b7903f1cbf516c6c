import assert from 'node:assert/strict';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { readApiSecuritySettings, readJwtIssuers } from '../../../src/security/gateway/gateway-config.js';
import { JwtVerifier, type VerifiedToken } from '../../../src/security/gateway/jwt-verifier.js';
import { memoryLoggerFactory } from '../../../src/logging/logger.js';
import { MiError } from '../../../src/errors.js';

describe('JWT verifier and its configuration', () => {
  it('verifies a token once: a repeat is answered synchronously from the cache, with scopes and claims', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const doc = { jwt_issuer: [{ issuer: 'https://idp.test', certificate: await exportSPKI(pair.publicKey), algorithms: ['ES256'] }] };
    const settings = readApiSecuritySettings({}, []);
    const v = new JwtVerifier(readJwtIssuers(doc, '.'), settings, memoryLoggerFactory().get('t'));
    const t = await new SignJWT({ sub: 'bob', scope: 'read:menu admin', tier: 'gold' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('https://idp.test')
      .setExpirationTime('10m')
      .sign(pair.privateKey);
    const first = v.check(t);
    assert.ok(first instanceof Promise, 'the first sight verifies');
    const a = (await first) as VerifiedToken;
    assert.equal(a.failed, undefined);
    assert.equal(a.user, 'bob');
    assert.deepEqual([...a.scopes], ['read:menu', 'admin']);
    assert.equal(a.claims['tier'], 'gold');
    const again = v.check(t);
    assert.ok(!(again instanceof Promise), 'a repeat is a cache hit');
    assert.equal(again, a);
  });

  it('refuses a token without exp, even when correctly signed', async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const doc = { jwt_issuer: [{ issuer: 'https://idp.test', certificate: await exportSPKI(pair.publicKey) }] };
    const v = new JwtVerifier(readJwtIssuers(doc, '.'), readApiSecuritySettings({}, []), memoryLoggerFactory().get('t'));
    const t = await new SignJWT({ sub: 'bob' }).setProtectedHeader({ alg: 'RS256' }).setIssuer('https://idp.test').sign(pair.privateKey);
    const o = await v.check(t);
    assert.equal(o.failed, true);
    assert.equal((o as { code: number }).code, 900901);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['no issuer', { jwks_url: 'https://x/jwks' }, /needs issuer/],
    ['no key source', { issuer: 'a' }, /exactly one of jwks_url and certificate/],
    ['two key sources', { issuer: 'a', jwks_url: 'https://x/jwks', certificate: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }, /exactly one/],
    ['an HMAC algorithm', { issuer: 'a', jwks_url: 'https://x/jwks', algorithms: ['HS256'] }, /algorithm 'HS256' is not accepted/],
    ['alg none', { issuer: 'a', jwks_url: 'https://x/jwks', algorithms: ['none'] }, /algorithm 'none' is not accepted/],
    ['a broken certificate', { issuer: 'a', certificate: '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----' }, /certificate does not load/],
    ['a missing certificate file', { issuer: 'a', certificate: 'no/such/file.pem' }, /no file/],
    ['an unknown key', { issuer: 'a', jwks_url: 'https://x/jwks', audiences: 'x' }, /has no key 'audiences'/],
    ['a bad clock skew', { issuer: 'a', jwks_url: 'https://x/jwks', clock_skew: -5 }, /clock_skew/],
  ];
  for (const [what, table, expected] of bad) {
    it(`stops the start for a [[jwt_issuer]] with ${what} (MI_API_003)`, () => {
      assert.throws(
        () => readJwtIssuers({ jwt_issuer: [table] }, '.'),
        (e: unknown) => e instanceof MiError && e.code === 'MI_API_003' && expected.test(e.message),
      );
    });
  }

  it('reads [api_security]: scope_fault_status 401 or 403 only, and roles per scope', () => {
    const s = readApiSecuritySettings({ api_security: { scope_fault_status: 401, scope_roles: { 'read:menu': ['Barista', 'customer'] } } }, []);
    assert.equal(s.scopeFaultStatus, 401);
    assert.deepEqual([...s.scopeRoles.get('read:menu')!], ['barista', 'customer']);
    assert.throws(() => readApiSecuritySettings({ api_security: { scope_fault_status: 404 } }, []), /MI_API_003|scope_fault_status/);
    const warnings: string[] = [];
    readApiSecuritySettings({ api_security: { scope_fault_stat: 401 } }, warnings);
    assert.match(warnings[0]!, /MI_CFG_003.*scope_fault_stat/);
  });
});
