/**
 * Where a request's client certificate comes from: the TLS handshake, or, behind a TLS-terminating load
 * balancer, a header that only `listener.trusted_proxies` may set. Both go through the same full chain
 * verification (chain-verifier.ts, against listener.truststore); the handshake's must first have passed
 * OpenSSL, whose refusal is logged with the same codes. A certificate that fails counts as none, and the
 * reason is logged with its code once per certificate. Nothing here runs unless mutual TLS or the header
 * is configured.
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket, PeerCertificate, DetailedPeerCertificate } from 'node:tls';
import { Errors, MiError, type ErrorSpec } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { HttpListenerConfig } from '../../transport/listener-config.js';
import type { Verdict } from './chain-verifier.js';
import type { TrustStore } from './trust-store.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g;
/** Addresses and certificates remembered for "logged once"; past this the set starts again (a flood cannot grow it). */
const MAX_LOGGED = 1000;

/** OpenSSL's verify errors (as Node names them) -> the code of the same verdict on a forwarded chain. */
const OPENSSL_VERDICTS: Record<string, ErrorSpec> = {
  CERT_HAS_EXPIRED: Errors.CLIENT_CHAIN_VALIDITY,
  CERT_NOT_YET_VALID: Errors.CLIENT_CHAIN_VALIDITY,
  INVALID_CA: Errors.CLIENT_CHAIN_NOT_CA,
  PATH_LENGTH_EXCEEDED: Errors.CLIENT_CHAIN_NOT_CA,
  INVALID_PURPOSE: Errors.CLIENT_CHAIN_KEY_USAGE,
  KEYUSAGE_NO_CERTSIGN: Errors.CLIENT_CHAIN_KEY_USAGE,
  CERT_SIGNATURE_FAILURE: Errors.CLIENT_CHAIN_SIGNATURE,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: Errors.CLIENT_CHAIN_SIGNATURE,
};

function parse(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new MiError(Errors.CLIENT_CERT_MALFORMED, 'the client certificate header does not hold a readable X.509 certificate');
  }
}

/**
 * Parses a header value: URL-encoded PEM (nginx $ssl_client_escaped_cert, API Manager's
 * client_certificate_encode), Base64 of a PEM, or Base64 DER. Several PEM blocks are the leaf followed by
 * its intermediates.
 */
export function parseHeaderChain(value: string): X509Certificate[] {
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
    if (!asText.includes('-----BEGIN')) return [parse(bytes)];
    text = asText;
  }
  // proxies put the PEM on one line, with spaces for newlines: rebuild each block from its Base64 alone
  const chain = [...text.matchAll(PEM_BLOCK)].map((m) => parse(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')));
  if (chain.length === 0) throw new MiError(Errors.CLIENT_CERT_MALFORMED, 'the client certificate header holds no BEGIN/END CERTIFICATE block');
  return chain;
}

/** The first certificate of a header value (kept for callers that want the leaf alone). */
export function parseHeaderCertificate(value: string): X509Certificate {
  return parseHeaderChain(value)[0]!;
}

/**
 * The peer's leaf and the certificates after it (OpenSSL's verified chain once authorized), or undefined
 * when it sent none. Read from getPeerCertificate(true) alone: after getPeerX509Certificate() Node 20
 * returns the leaf without its chain.
 */
function peerChain(socket: TLSSocket): [X509Certificate, X509Certificate[]] | undefined {
  const first = socket.getPeerCertificate(true);
  if (!first || !first.raw) return undefined;
  const out: X509Certificate[] = [];
  let c: PeerCertificate | DetailedPeerCertificate | undefined = first;
  const seen = new Set<PeerCertificate>();
  while (c && 'issuerCertificate' in c && c.issuerCertificate && !seen.has(c.issuerCertificate) && c.issuerCertificate !== c) {
    seen.add(c);
    c = c.issuerCertificate;
    if (c.raw) out.push(new X509Certificate(c.raw));
  }
  return [new X509Certificate(first.raw), out];
}

export class ClientCertificates {
  /** One verdict per connection: the keep-alive requests after the first reuse it. */
  private readonly perSocket = new WeakMap<TLSSocket, X509Certificate | null>();
  private readonly logged = new Set<string>();

  constructor(
    private readonly cfg: HttpListenerConfig,
    private readonly trust: TrustStore,
    private readonly log: Logger,
  ) {}

  /**
   * The request's verified client certificate, or undefined. `handshake`: the listener asked for one in the
   * TLS handshake. Synchronous for a certificate seen before; throws MI_TLS_003 for a malformed header from
   * a trusted proxy.
   */
  of(req: IncomingMessage, handshake: boolean): X509Certificate | undefined | Promise<X509Certificate | undefined> {
    const h = req.headers[this.cfg.clientCertHeader];
    if (typeof h === 'string' && h !== '') {
      const address = req.socket.remoteAddress ?? '';
      if (!this.cfg.trustedProxies.has(address)) {
        this.logOnce(address, Errors.CLIENT_CERT_HEADER_IGNORED, `the ${this.cfg.clientCertHeader} header from ${address}, which is not in listener.trusted_proxies, is ignored`);
      } else if (!this.cfg.proxyClientValidation) {
        return this.fromHeader(h, address);
      } else {
        const proxy = handshake ? this.fromHandshake(req.socket as TLSSocket) : undefined;
        const proxyChecked = (cert: X509Certificate | undefined): X509Certificate | undefined | Promise<X509Certificate | undefined> => {
          if (cert) return this.fromHeader(h, address);
          this.logOnce(address, Errors.CLIENT_CERT_PROXY_UNVERIFIED, `the ${this.cfg.clientCertHeader} header from ${address} is ignored: [apimgt.mutual_ssl] enable_client_validation = true and the proxy's connection carries no verified client certificate`);
          return undefined;
        };
        return proxy instanceof Promise ? proxy.then(proxyChecked) : proxyChecked(proxy);
      }
    }
    return handshake ? this.fromHandshake(req.socket as TLSSocket) : undefined;
  }

  private fromHeader(value: string, address: string): X509Certificate | undefined | Promise<X509Certificate | undefined> {
    const verifier = this.trust.verifier;
    // a header value has no line breaks (HTTP forbids them), so it cannot clash with a handshake key below
    const known = verifier.cached(value);
    if (known) return known.ok ? known.certificate : undefined;
    const [leaf, ...chain] = parseHeaderChain(value);
    return verifier.verify(value, leaf!, chain).then((v) => this.admit(v, `forwarded by ${address}`));
  }

  private fromHandshake(socket: TLSSocket): X509Certificate | undefined | Promise<X509Certificate | undefined> {
    const seen = this.perSocket.get(socket);
    if (seen !== undefined) return seen ?? undefined;
    const peer = peerChain(socket);
    if (!peer) {
      this.perSocket.set(socket, null);
      return undefined;
    }
    const [leaf, chain] = peer;
    if (!socket.authorized) {
      // OpenSSL refused the chain (Node then shows the leaf without the intermediates the client sent)
      const reason = String(socket.authorizationError);
      const spec = OPENSSL_VERDICTS[reason] ?? Errors.CLIENT_CHAIN_UNTRUSTED;
      this.logOnce(`${leaf.fingerprint256} ${reason}`, spec, `client certificate ${leaf.subject.replace(/\n/g, ', ')} in the TLS handshake is refused: ${reason}; it counts as none`);
      this.perSocket.set(socket, null);
      return undefined;
    }
    // A resumed TLS session shows the leaf alone: the intermediates it was sent with are not kept in the
    // session. Its verdict is the one of the full handshake that made the session, remembered by leaf.
    const resumedKey = `\nresumed ${leaf.fingerprint256}`;
    const resumed = chain.length === 0 && socket.isSessionReused();
    // the chain OpenSSL built and accepted, verified again by the same rules as a forwarded one
    const key = resumed ? resumedKey : `\n${leaf.fingerprint256}${chain.map((c) => ',' + c.fingerprint256).join('')}`;
    const settle = (v: Verdict, fresh: boolean): X509Certificate | undefined => {
      const cert = fresh ? this.admit(v, 'in the TLS handshake') : v.ok ? v.certificate : undefined;
      if (v.ok && !resumed && !this.trust.verifier.cached(resumedKey)) this.trust.verifier.remember(resumedKey, v);
      this.perSocket.set(socket, cert ?? null);
      return cert;
    };
    const known = this.trust.verifier.cached(key);
    if (known) return settle(known, false);
    return this.trust.verifier.verify(key, leaf, chain).then((v) => settle(v, true));
  }

  /** The certificate of a passing verdict; a failing one is logged (once: verdicts are cached). */
  private admit(v: Verdict, where: string): X509Certificate | undefined {
    if (v.ok) return v.certificate;
    this.log.warn(`${v.spec.code}  client certificate ${v.certificate.subject.replace(/\n/g, ', ')} ${where} is refused: ${v.reason}; it counts as none`);
    return undefined;
  }

  /** Logs once per `what` (an address, or a certificate and its refusal) and code. */
  private logOnce(what: string, spec: ErrorSpec, message: string): void {
    const key = `${spec.code} ${what}`;
    if (this.logged.has(key)) return;
    if (this.logged.size >= MAX_LOGGED) this.logged.clear();
    this.logged.add(key);
    this.log.warn(`${spec.code}  ${message}`);
  }
}
