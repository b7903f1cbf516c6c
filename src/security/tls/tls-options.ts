/**
 * The TLS settings of the HTTPS listener, built in one place because server.setSecureContext() replaces the
 * whole context: a trust store reload must pass the key, protocols and ciphers again or lose them.
 */
import { X509Certificate } from 'node:crypto';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { Errors, MiError } from '../../errors.js';
import type { LoadedKeyStore } from '../keys/keystore.js';
import type { HttpListenerConfig } from '../../transport/listener-config.js';
import type { TrustStore } from './trust-store.js';

export function secureContextOptions(key: LoadedKeyStore, cfg: HttpListenerConfig, trust: TrustStore | undefined): SecureContextOptions {
  return {
    key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    cert: key.certificates.join('\n'),
    minVersion: cfg.minVersion,
    maxVersion: cfg.maxVersion,
    ciphers: cfg.ciphers,
    // the server picks from its own (strongest-first) list, not the client's
    honorCipherOrder: true,
    // also under verify_client = none: the listener asks for a certificate once an API uses mutual SSL
    ca: trust ? trust.pems : undefined,
  };
}

export function tlsServerOptions(key: LoadedKeyStore, cfg: HttpListenerConfig, trust: TrustStore | undefined): TlsOptions {
  return {
    ...secureContextOptions(key, cfg, trust),
    requestCert: cfg.verifyClient !== 'none',
    // optional: the handshake completes and socket.authorized says whether the certificate verified
    rejectUnauthorized: cfg.verifyClient === 'require',
  };
}

/** A warning line when the server certificate is outside its validity period; clients will refuse it. */
export function certificateValidityWarning(key: LoadedKeyStore, now = Date.now()): string | undefined {
  const c = new X509Certificate(key.certificates[0]!);
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  if (now > to) return `${Errors.TLS_CERT_VALIDITY.code}  the HTTPS server certificate (${c.subject.replace(/\n/g, ', ')}) expired on ${c.validTo}; clients will refuse it. Make a new one with \`mi keystore create\``;
  if (now < from) return `${Errors.TLS_CERT_VALIDITY.code}  the HTTPS server certificate is not valid before ${c.validFrom}; check the clock or the certificate`;
  return undefined;
}

export function tlsSetupError(err: unknown): MiError {
  if (err instanceof MiError && err.spec === Errors.TLS_SETUP) return err;
  return new MiError(Errors.TLS_SETUP, `HTTPS is not started: ${(err as Error).message}`, { cause: err });
}
