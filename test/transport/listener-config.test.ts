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

  it('trusted_proxies takes addresses and CIDR blocks, IPv4 and IPv6; an IPv4 block matches the IPv4-mapped form', () => {
    const c = httpListenerConfig('/home', { listener: { truststore: { location: 'cas.pem' }, trusted_proxies: ['10.1.0.0/16', 'fd00::/8', '192.0.2.7', '::ffff:198.51.100.0/120'] } }, []);
    const p = c.trustedProxies;
    assert.ok(p.has('10.1.200.3') && p.has('::ffff:10.1.0.9') && p.has('fd12:3456::1') && p.has('192.0.2.7') && p.has('::ffff:192.0.2.7'));
    assert.ok(p.has('198.51.100.20'), 'an IPv4-mapped IPv6 block matches the IPv4 address');
    assert.ok(!p.has('10.2.0.1') && !p.has('::ffff:10.2.0.1') && !p.has('fe80::1') && !p.has('192.0.2.8') && !p.has('') && !p.has('nonsense'));
    assert.ok(!httpListenerConfig('/home', {}, []).trustedProxies.has('127.0.0.1'), 'none by default');
  });

  it('reads API Manager\'s [apimgt.mutual_ssl] keys: certificate_header, enable_client_validation, client_certificate_encode, enable_certificate_chain_validation', () => {
    const w: string[] = [];
    const c = httpListenerConfig('/home', { listener: { truststore: { location: 'cas.pem' } } }, w, { certificate_header: 'SSL-CLIENT-CERT', enable_client_validation: 'true', client_certificate_encode: true, enable_certificate_chain_validation: true, colour: 'x' });
    assert.equal(c.clientCertHeader, 'ssl-client-cert');
    assert.equal(c.proxyClientValidation, true);
    assert.equal(c.certificateChainValidation, true);
    assert.match(w.join('\n'), /MI_CFG_003 .*\[apimgt\.mutual_ssl\] colour/);
    const d = httpListenerConfig('/home', {}, []);
    assert.equal(d.clientCertHeader, 'x-wso2-client-certificate');
    assert.equal(d.proxyClientValidation, false);
    assert.equal(d.certificateChainValidation, false);
    assert.throws(() => httpListenerConfig('/home', { listener: { client_certificate_header: 'A' } }, [], { certificate_header: 'B' }), /MI_CFG_002|different headers/);
    assert.throws(() => httpListenerConfig('/home', {}, [], { enable_client_validation: 'yes' }), /enable_client_validation must be true or false/);
  });

  it('refuses bad values with MI_CFG_002 naming the key', () => {
    for (const [listener, re] of [
      [{ secured_protocols: 'SSLv3' }, /secured_protocols/],
      [{ verify_client: 'maybe' }, /verify_client/],
      [{ trusted_proxies: ['10.0.0.1'] }, /trusted_proxies.*truststore/],
      [{ truststore: { location: 'x.p12', type: 'JKS' } }, /truststore\.type/],
      [{ ssl_profile: { read_interval: 5 } }, /read_interval/],
      [{ client_certificate_header: 'bad header' }, /client_certificate_header/],
      [{ truststore: { location: 'cas.pem' }, trusted_proxies: ['10.0.0.0/33'] }, /trusted_proxies.*10\.0\.0\.0\/33.*prefix/],
      [{ truststore: { location: 'cas.pem' }, trusted_proxies: ['proxy.example.com'] }, /trusted_proxies.*not an IP address or CIDR/],
      [{ truststore: { location: 'cas.pem' }, trusted_proxies: ['fd00::/129'] }, /trusted_proxies.*prefix/],
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
