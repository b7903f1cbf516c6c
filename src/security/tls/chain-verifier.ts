/**
 * Full X.509 path validation of client certificates against the listener's trust store, with pkijs (path
 * building, the signature of each link, validity dates of every certificate, CA flag and keyCertSign on
 * every issuer), plus the leaf's keyUsage (digitalSignature when keyUsage is present). Built once per load
 * of the trust store; verdicts are cached by the presented chain (bounded), so a known certificate costs a
 * map lookup and pkijs runs once per new certificate.
 *
 * Every certificate of the trust store is a trust anchor, as in a Java trust store (API Manager's
 * client-truststore): an intermediate CA placed there lets clients send their leaf alone.
 */
import { webcrypto, type X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { Errors, type ErrorSpec } from '../../errors.js';

export type Verdict =
  | {
      readonly ok: true;
      readonly certificate: X509Certificate;
      /** SHA-256 fingerprints from the leaf to the trust anchor, as X509Certificate prints them. */
      readonly path: readonly string[];
      /** Until when the verdict holds (the earliest notAfter of the path), ms since the epoch. */
      readonly until: number;
    }
  | {
      readonly ok: false;
      readonly certificate: X509Certificate;
      readonly spec: ErrorSpec;
      readonly reason: string;
      readonly until: number;
    };

const OID_KEY_USAGE = '2.5.29.15';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
/** keyUsage bits as DER BIT STRING (first byte, most significant bit first). */
const DIGITAL_SIGNATURE = 0x80;
const KEY_CERT_SIGN = 0x04;
/** A refusal is re-checked after this long: a not-yet-valid certificate, or a CA added to the trust store. */
const REFUSAL_TTL_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 1000;

const crypto = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto });

interface Parsed {
  readonly x509: X509Certificate;
  readonly pki: pkijs.Certificate;
}

function toPki(c: X509Certificate): pkijs.Certificate {
  const der = c.raw;
  return pkijs.Certificate.fromBER(der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer);
}

function subjectOf(c: X509Certificate): string {
  return c.subject.replace(/\n/g, ', ');
}

/** The keyUsage first byte, or undefined when the certificate has no keyUsage extension. */
function keyUsage(c: pkijs.Certificate): number | undefined {
  const e = c.extensions?.find((x) => x.extnID === OID_KEY_USAGE);
  if (!e) return undefined;
  const bits = e.parsedValue as { valueBlock?: { valueHexView?: Uint8Array } } | undefined;
  return bits?.valueBlock?.valueHexView?.[0] ?? 0;
}

function isCa(c: pkijs.Certificate): boolean {
  const e = c.extensions?.find((x) => x.extnID === OID_BASIC_CONSTRAINTS);
  return (e?.parsedValue as pkijs.BasicConstraints | undefined)?.cA === true;
}

/** The verified path (leaf first) of each accepted certificate object; the verdict cache keeps them alive. */
const paths = new WeakMap<X509Certificate, readonly string[]>();

/** SHA-256 fingerprints from the certificate to its trust anchor, when this runtime verified it. */
export function verifiedPath(cert: X509Certificate): readonly string[] | undefined {
  return paths.get(cert);
}

export class ChainVerifier {
  private readonly anchors: Parsed[];
  private readonly verdicts = new Map<string, Verdict>();

  constructor(
    trusted: readonly X509Certificate[],
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {
    this.anchors = trusted.map((x509) => ({ x509, pki: toPki(x509) }));
  }

  /** The cached verdict for this key while it holds; the request path's only cost for a known certificate. */
  cached(key: string, now = Date.now()): Verdict | undefined {
    const v = this.verdicts.get(key);
    if (v === undefined) return undefined;
    if (now <= v.until) return v;
    this.verdicts.delete(key);
    return undefined;
  }

  /** Verifies `leaf` (with the intermediates the client sent) and caches the verdict under `key`. */
  async verify(key: string, leaf: X509Certificate, intermediates: readonly X509Certificate[], now = Date.now()): Promise<Verdict> {
    const v = await this.check(leaf, intermediates, now);
    if (v.ok) paths.set(v.certificate, v.path);
    this.remember(key, v);
    return v;
  }

  /** Caches `v` under `key` (also a second key for the same verdict: see ClientCertificates' resumed sessions). */
  remember(key: string, v: Verdict): void {
    if (this.verdicts.size >= this.maxEntries) {
      // the oldest entry goes: Map keeps insertion order
      const first = this.verdicts.keys().next();
      if (!first.done) this.verdicts.delete(first.value);
    }
    this.verdicts.set(key, v);
  }

  private refuse(certificate: X509Certificate, spec: ErrorSpec, reason: string, now: number): Verdict {
    return { ok: false, certificate, spec, reason, until: now + REFUSAL_TTL_MS };
  }

  private async check(leaf: X509Certificate, intermediates: readonly X509Certificate[], now: number): Promise<Verdict> {
    let leafPki: pkijs.Certificate;
    let sent: Parsed[];
    try {
      leafPki = toPki(leaf);
      sent = intermediates.filter((c) => c.fingerprint256 !== leaf.fingerprint256).map((x509) => ({ x509, pki: toPki(x509) }));
    } catch (err) {
      return this.refuse(leaf, Errors.CLIENT_CHAIN_UNTRUSTED, `the certificate cannot be read: ${(err as Error).message}`, now);
    }
    const ku = keyUsage(leafPki);
    if (ku !== undefined && (ku & DIGITAL_SIGNATURE) === 0) {
      return this.refuse(leaf, Errors.CLIENT_CHAIN_KEY_USAGE, `${subjectOf(leaf)} has keyUsage without digitalSignature`, now);
    }
    const anchor = this.anchors.find((a) => a.x509.fingerprint256 === leaf.fingerprint256);
    if (anchor) {
      // the certificate itself is in the trust store (as API Manager puts uploaded client certificates there)
      if (now < Date.parse(leaf.validFrom) || now > Date.parse(leaf.validTo)) return this.refuse(leaf, Errors.CLIENT_CHAIN_VALIDITY, `${subjectOf(leaf)} is valid from ${leaf.validFrom} to ${leaf.validTo}`, now);
      return { ok: true, certificate: leaf, path: [leaf.fingerprint256], until: Date.parse(leaf.validTo) };
    }
    const engine = new pkijs.CertificateChainValidationEngine({
      trustedCerts: this.anchors.map((a) => a.pki),
      // pkijs takes the last of `certs` as the certificate to verify
      certs: [...sent.map((s) => s.pki), leafPki],
      checkDate: new Date(now),
    });
    const result = await engine.verify({}, crypto);
    if (result.result) {
      const chain = (result.certificatePath ?? []).map((p) => this.fingerprintOf(p, leaf, sent));
      return { ok: true, certificate: leaf, path: chain, until: this.earliestEnd(result.certificatePath ?? [leafPki]) };
    }
    return this.diagnose(leaf, leafPki, sent, result.resultCode, result.resultMessage, now);
  }

  private fingerprintOf(p: pkijs.Certificate, leaf: X509Certificate, sent: readonly Parsed[]): string {
    for (const c of [...this.anchors, ...sent]) if (c.pki === p) return c.x509.fingerprint256;
    return leaf.fingerprint256;
  }

  private earliestEnd(path: readonly pkijs.Certificate[]): number {
    return Math.min(...path.map((p) => p.notAfter.value.getTime()));
  }

  /**
   * pkijs says that a path failed and a generic reason; this names the certificate and the rule, walking the
   * issuers by name from the leaf the way the path was built.
   */
  private diagnose(leaf: X509Certificate, leafPki: pkijs.Certificate, sent: readonly Parsed[], code: number | undefined, message: string | undefined, now: number): Verdict {
    const pool = [...sent, ...this.anchors];
    const seen = new Set<pkijs.Certificate>();
    let current: Parsed = { x509: leaf, pki: leafPki };
    for (let depth = 0; depth < 10; depth++) {
      const c = current.x509;
      if (now < Date.parse(c.validFrom)) return this.refuse(leaf, Errors.CLIENT_CHAIN_VALIDITY, `${subjectOf(c)} is not valid before ${c.validFrom}`, now);
      if (now > Date.parse(c.validTo)) return this.refuse(leaf, Errors.CLIENT_CHAIN_VALIDITY, `${subjectOf(c)} expired on ${c.validTo}`, now);
      if (c.issuer === c.subject && this.anchors.some((a) => a.x509.fingerprint256 === c.fingerprint256)) break;
      const byName = pool.filter((p) => !seen.has(p.pki) && p.x509.subject === c.issuer && p.pki !== current.pki);
      if (byName.length === 0) {
        if (this.anchors.some((a) => a.x509.fingerprint256 === c.fingerprint256)) break;
        return this.refuse(leaf, Errors.CLIENT_CHAIN_UNTRUSTED, `no issuer of ${subjectOf(c)} (${c.issuer.replace(/\n/g, ', ')}) is in listener.truststore or the chain sent`, now);
      }
      const issuer = byName.find((p) => c.verify(p.x509.publicKey));
      if (!issuer) return this.refuse(leaf, Errors.CLIENT_CHAIN_SIGNATURE, `the signature of ${subjectOf(c)} does not verify with the key of its issuer ${subjectOf(byName[0]!.x509)}`, now);
      if (!isCa(issuer.pki)) return this.refuse(leaf, Errors.CLIENT_CHAIN_NOT_CA, `the issuer ${subjectOf(issuer.x509)} is not a CA (basicConstraints CA:TRUE is missing)`, now);
      const iku = keyUsage(issuer.pki);
      if (iku !== undefined && (iku & KEY_CERT_SIGN) === 0) return this.refuse(leaf, Errors.CLIENT_CHAIN_KEY_USAGE, `the issuer ${subjectOf(issuer.x509)} has keyUsage without keyCertSign`, now);
      seen.add(issuer.pki);
      if (this.anchors.includes(issuer)) {
        const i = issuer.x509;
        if (now < Date.parse(i.validFrom) || now > Date.parse(i.validTo)) return this.refuse(leaf, Errors.CLIENT_CHAIN_VALIDITY, `the trusted CA ${subjectOf(i)} is valid from ${i.validFrom} to ${i.validTo}`, now);
        break;
      }
      current = issuer;
    }
    return this.refuse(leaf, Errors.CLIENT_CHAIN_UNTRUSTED, `the chain of ${subjectOf(leaf)} does not validate: ${message ?? 'unknown reason'} (pkijs ${code ?? '?'})`, now);
  }
}
