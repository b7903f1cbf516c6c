import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CIPHERS, httpListenerConfig } from '../../src/transport/listener-config.js';
import { parseHeaderCertificate } from '../../src/security/tls/client-certificate.js';

describe('[transport.http] listener settings', () => {
  it('defaults: TLS 1.2-1.3, AEAD suites, no client certificate, neutral Server header', () => {
    const w: string[] = [];
    const c = httpListenerConfig('/home', {}, w);
    assert.deepEqual([c.minVersion, c.maxVersion, c.verifyClient, c.serverHeader, c.readIntervalMs, c.enable], ['TLSv1.2', 'TLSv1.3', 'none', 'mediation-runtime', 10_000, true]);
    assert.equal(c.ciphers, DEFAULT_CIPHERS);
    assert.doesNotMatch(c.ciphers, /CBC|RC4|3DES|NULL|EXP|SHA:|-SHA$/);
    assert.equal(c.clientCertHeader, 'x-wso2-client-certificate');
    assert.deepEqual(w, []);
  });

  it('reads Micro Integrator keys, comma lists or arrays, and warns about unknown keys', () => {
    const w: string[] = [];
    const c = httpListenerConfig('/home', {
      server_header: '',
      listener: {
        secured_protocols: 'TLSv1.3',
        preferred_ciphers: ['ECDHE-RSA-AES256-GCM-SHA384', 'TLS_AES_256_GCM_SHA384'],
        verify_client: 'optional',
        truststore: { location: 'cas.pem' },
        ssl_profile: { read_interval: '2000' },
        trusted_proxies: '10.0.0.1, ::1',
        colour: 'blue',
      },
    }, w);
    assert.equal(c.minVersion, 'TLSv1.3');
    assert.equal(c.ciphers, 'ECDHE-RSA-AES256-GCM-SHA384:TLS_AES_256_GCM_SHA384');
    assert.equal(c.truststore?.type, 'PEM');
    assert.equal(c.truststore?.file, path.join('/home', 'deployment', 'security', 'cas.pem'));
    assert.equal(c.readIntervalMs, 2000);
    assert.equal(c.serverHeader, '');
    assert.ok(c.trustedProxies.has('10.0.0.1') && c.trustedProxies.has('::ffff:10.0.0.1') && c.trustedProxies.has('::1'));
    assert.match(w.join('\n'), /MI_CFG_003 .*listener\.colour/);
  });

  it('refuses bad values with MI_CFG_002 naming the key', () => {
    for (const [listener, re] of [
      [{ secured_protocols: 'SSLv3' }, /secured_protocols/],
      [{ verify_client: 'maybe' }, /verify_client/],
      [{ trusted_proxies: ['10.0.0.1'] }, /trusted_proxies.*truststore/],
      [{ truststore: { location: 'x.p12', type: 'JKS' } }, /truststore\.type/],
      [{ ssl_profile: { read_interval: 5 } }, /read_interval/],
      [{ client_certificate_header: 'bad header' }, /client_certificate_header/],
    ] as const) {
      assert.throws(() => httpListenerConfig('/h', { listener }, []), (e: Error & { code?: string }) => e.code === 'MI_CFG_002' && re.test(e.message), JSON.stringify(listener));
    }
    assert.throws(() => httpListenerConfig('/h', { server_header: 'a\r\nb' }, []), /server_header/);
  });

  it('parses a forwarded certificate as URL-encoded PEM, one-line PEM, Base64 PEM and Base64 DER', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-hdr-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', '/CN=hdr'], { cwd: dir, stdio: 'pipe' });
    const pem = readFileSync(path.join(dir, 'c.pem'), 'utf8');
    const fp = new X509Certificate(pem).fingerprint256;
    const der = new X509Certificate(pem).raw.toString('base64');
    for (const v of [encodeURIComponent(pem), pem.replace(/\n/g, ' '), Buffer.from(pem).toString('base64'), der]) {
      assert.equal(parseHeaderCertificate(v).fingerprint256, fp);
    }
    for (const v of ['not a cert', '%E0%A4%A', Buffer.from('hello').toString('base64')]) {
      assert.throws(() => parseHeaderCertificate(v), (e: Error & { code?: string }) => e.code === 'MI_TLS_003', v);
    }
  });
});
