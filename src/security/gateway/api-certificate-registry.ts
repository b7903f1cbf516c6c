/**
 * The registered client certificates of every API, held in memory so the check on a request is a map
 * lookup by the certificate's SHA-256 fingerprint; re-read from the database every
 * `[apim.mutual_ssl] certificate_reload_interval` seconds, so a certificate added or deleted on any node
 * (or with the CLI) is in force everywhere within that time. A failed read keeps the previous set and is
 * logged once per outage (MI_API_042).
 */
import type { X509Certificate } from 'node:crypto';
import { Errors } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import { Section, type Table } from '../../config/section.js';
import { verifiedPath } from '../tls/chain-verifier.js';
import { readCertificatePem, type ApiCertificateStore } from './api-certificate-store.js';

export interface RegisteredCertificate {
  readonly alias: string;
  readonly tier: string;
}

/** `[apim.mutual_ssl]`: how often (seconds) the registered certificates are re-read; default 30. */
export function certificateReloadSeconds(doc: Table, warnings: string[]): number {
  const s = Section.at(doc, 'apim.mutual_ssl');
  s.unknownKeys(['certificate_reload_interval'], warnings);
  return s.int('certificate_reload_interval', 30, 1);
}

export class ApiCertificateRegistry {
  /** API name -> fingerprint (SHA-256, as X509Certificate prints it) -> the registration. */
  private byApi = new Map<string, Map<string, RegisteredCertificate>>();
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    readonly store: ApiCertificateStore,
    private readonly log: Logger,
    /**
     * `[apimgt.mutual_ssl] enable_certificate_chain_validation`: a registered CA (intermediate or root)
     * admits every certificate whose verified chain passes through it.
     */
    private readonly chainValidation = false,
  ) {}

  /**
   * true: no certificate is registered for the API, so the listener's trust store alone decides; false:
   * some are, and this is none of them; else the registration it matches.
   */
  match(api: string, cert: X509Certificate): RegisteredCertificate | boolean {
    const registered = this.byApi.get(api);
    if (registered === undefined) return true;
    const own = registered.get(cert.fingerprint256);
    if (own !== undefined || !this.chainValidation) return own ?? false;
    // the nearest registered issuer on the path decides (its alias and tier)
    for (const fp of verifiedPath(cert) ?? []) {
      const r = registered.get(fp);
      if (r !== undefined) return r;
    }
    return false;
  }

  /** Reads every certificate in force; on failure the previous set stays. */
  async reload(): Promise<void> {
    let records;
    try {
      records = await this.store.list();
    } catch (err) {
      if (!this.failing) this.log.error(`${Errors.API_CERT_RELOAD.code}  cannot re-read the API client certificates: ${(err as Error).message}; the previous ones stay in force`);
      this.failing = true;
      return;
    }
    if (this.failing) this.log.info(`the API client certificates in ${this.store.description} can be read again`);
    this.failing = false;
    const next = new Map<string, Map<string, RegisteredCertificate>>();
    for (const r of records) {
      let byPrint = next.get(r.api);
      if (!byPrint) next.set(r.api, (byPrint = new Map()));
      try {
        byPrint.set(readCertificatePem(r.certificate, `certificate ${r.alias} of API ${r.api}`).fingerprint256, Object.freeze({ alias: r.alias, tier: r.tier }));
      } catch (err) {
        // a row written by hand that does not parse: the API still counts as having registrations
        this.log.error(`${Errors.API_CERT_RELOAD.code}  ${(err as Error).message}; it admits nobody`);
      }
    }
    this.byApi = next;
  }

  /** Loads now, then every `seconds`. */
  async start(seconds: number): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload(), seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
