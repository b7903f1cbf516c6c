/**
 * Client certificates registered per API (`mi api-cert add`), in the user store's database, in a table
 * shaped as API Manager's AM_API_CLIENT_CERTIFICATE: API, alias, certificate (PEM), tier, removed. A
 * deletion marks the row removed, as API Manager does, so every node's next reload drops it.
 */
import { X509Certificate } from 'node:crypto';
import { Errors, MiError } from '../../errors.js';
import type { Database } from '../../store/database.js';
import { databaseStep } from '../../store/database-step.js';

export interface ApiCertificateRecord {
  readonly api: string;
  readonly alias: string;
  /** The certificate as PEM. */
  readonly certificate: string;
  readonly tier: string;
  readonly addedAt: string;
}

/** Reads one PEM certificate (the first of a file); MI_API_041 when there is none or it does not parse. */
export function readCertificatePem(text: string, where: string): X509Certificate {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
  if (!m) throw new MiError(Errors.API_CERT_ARGUMENT, `${where} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  try {
    return new X509Certificate(m[0]);
  } catch (err) {
    throw new MiError(Errors.API_CERT_ARGUMENT, `${where} does not hold a readable X.509 certificate: ${(err as Error).message}`);
  }
}

const COLUMNS = ['api', 'alias', 'certificate', 'tier', 'added_at'] as const;

export class ApiCertificateStore {
  constructor(private readonly database: Database) {}

  get description(): string {
    return this.database.description;
  }

  private run<T>(what: string, step: () => Promise<T>): Promise<T> {
    return databaseStep(Errors.DB_UNAVAILABLE, `API client certificates in ${this.database.description}`, what, step);
  }

  /** Registers `pem` for `api` under `alias`; MI_API_041 when the alias is taken for that API. */
  async add(api: string, alias: string, pem: string, tier: string): Promise<ApiCertificateRecord> {
    const certificate = readCertificatePem(pem, `the certificate for alias ${alias}`).toString();
    const row = { api, alias, certificate, tier, added_at: new Date().toISOString() };
    return this.run('store a certificate', async () => {
      const db = this.database.db;
      const taken = await db.selectFrom('mi_api_client_certificates').select('alias').where('api', '=', api).where('alias', '=', alias).where('removed', '=', 0).executeTakeFirst();
      if (taken) throw new MiError(Errors.API_CERT_ARGUMENT, `API ${api} already has a certificate with alias '${alias}'; delete it first or choose another alias`);
      await db.insertInto('mi_api_client_certificates').values({ ...row, removed: 0 }).execute();
      return Object.freeze({ api, alias, certificate, tier, addedAt: row.added_at });
    });
  }

  /** The certificates in force (of one API), by API and alias. */
  async list(api?: string): Promise<ApiCertificateRecord[]> {
    return this.run('list certificates', async () => {
      let q = this.database.db.selectFrom('mi_api_client_certificates').select(COLUMNS).where('removed', '=', 0);
      if (api !== undefined) q = q.where('api', '=', api);
      const rows = await q.orderBy('api').orderBy('alias').execute();
      return rows.map((r) => Object.freeze({ api: r.api, alias: r.alias, certificate: r.certificate, tier: r.tier, addedAt: r.added_at }));
    });
  }

  /** Marks the certificate removed; false when the API has none with this alias. */
  async remove(api: string, alias: string): Promise<boolean> {
    return this.run('delete a certificate', async () => {
      const db = this.database.db;
      // one removed row per alias: an earlier deletion of the same alias makes way for this one
      await db.deleteFrom('mi_api_client_certificates').where('api', '=', api).where('alias', '=', alias).where('removed', '=', 1).execute();
      const r = await db.updateTable('mi_api_client_certificates').set({ removed: 1 }).where('api', '=', api).where('alias', '=', alias).where('removed', '=', 0).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    });
  }
}
