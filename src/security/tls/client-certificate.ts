/**
 * Where a request's client certificate comes from: the TLS handshake (verified by OpenSSL against the
 * trust store), or, behind a TLS-terminating proxy, a header that only configured proxy addresses may set
 * (verified here against the same trust store). Nothing runs unless mutual TLS or the header is configured.
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Errors, MiError } from '../../errors.js';
import type { HttpListenerConfig } from '../../transport/listener-config.js';
import type { TrustStore } from './trust-store.js';

/** One certificate per connection: parsed on its first request, reused by the keep-alive ones after it. */
const perSocket = new WeakMap<TLSSocket, X509Certificate | null>();

/** The verified handshake certificate, or undefined (none sent, or not trusted under `optional`). */
export function handshakeCertificate(socket: TLSSocket): X509Certificate | undefined {
  let c = perSocket.get(socket);
  if (c === undefined) {
    c = socket.authorized ? socket.getPeerX509Certificate() ?? null : null;
    perSocket.set(socket, c);
  }
  return c ?? undefined;
}

const PEM_BODY = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/;

/** Parses a header value: URL-encoded PEM (nginx $ssl_client_escaped_cert), Base64 of a PEM, or Base64 DER. */
export function parseHeaderCertificate(value: string): X509Certificate {
  let text = value.trim();
  try {
    if (text.includes('%')) text = decodeURIComponent(text);
  } catch {
    throw new MiError(Errors.CLIENT_CERT_MALFORMED, 'the client certificate header is not valid URL encoding');
  }
  if (!text.includes('-----BEGIN')) {
    const compact = text.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+=*$/.test(compact)) throw new MiError(Errors.CLIENT_CERT_MALFORMED, 'the client certificate header is neither a PEM certificate nor Base64');
    const bytes = Buffer.from(compact, 'base64');
    const asText = bytes.toString('latin1');
    if (!asText.includes('-----BEGIN')) return parse(bytes);
    text = asText;
  }
  const m = PEM_BODY.exec(text);
  if (!m) throw new MiError(Errors.CLIENT_CERT_MALFORMED, 'the client certificate header holds no BEGIN/END CERTIFICATE block');
  // proxies put the PEM on one line, with spaces for newlines: rebuild it from the Base64 alone
  return parse(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

function parse(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new MiError(Errors.CLIENT_CERT_MALFORMED, 'the client certificate header does not hold a readable X.509 certificate');
  }
}

/**
 * The request's client certificate (`handshake`: the listener asked for one in the TLS handshake). Throws MI_TLS_003 (malformed) or MI_TLS_004 (not trusted) for a header
 * certificate from a trusted proxy; a header from any other address is ignored.
 */
export function clientCertificate(req: IncomingMessage, handshake: boolean, cfg: HttpListenerConfig, trust: TrustStore | undefined): X509Certificate | undefined {
  if (cfg.trustedProxies.size && trust) {
    const h = req.headers[cfg.clientCertHeader];
    if (typeof h === 'string' && h !== '' && cfg.trustedProxies.has(req.socket.remoteAddress ?? '')) {
      const cert = parseHeaderCertificate(h);
      if (!trust.trusts(cert)) throw new MiError(Errors.CLIENT_CERT_UNTRUSTED, 'the forwarded client certificate is expired or not issued by a CA in listener.truststore');
      return cert;
    }
  }
  return handshake ? handshakeCertificate(req.socket as TLSSocket) : undefined;
}
