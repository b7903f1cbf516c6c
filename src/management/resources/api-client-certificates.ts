/**
 * `/management/apis/{apiName}/client-certificates` (admin only): the client certificates of an API secured
 * with mutual SSL, as API Manager's publisher keeps them (alias, certificate, throttling tier), in the same
 * table as `mi api-cert`:
 *   GET    .../client-certificates            -> {"count", "list": [{"alias", "apiName", "tier"}]}
 *   POST   .../client-certificates {"alias", "certificate": PEM, "tier"?} -> 201 {"alias", "apiName", "tier"}
 *   GET    .../client-certificates/{alias}    -> {"alias", "apiName", "tier", "status", "validity", "subject", ...}
 *   DELETE .../client-certificates/{alias}    -> {"alias", "apiName", "status": "Deleted"}
 * This node re-reads the table at once; the others within [apim.mutual_ssl] certificate_reload_interval.
 */
import type { FastifyInstance } from 'fastify';
import { Errors, MiError } from '../../errors.js';
import type { ApiCertificateRegistry } from '../../security/gateway/api-certificate-registry.js';
import { readCertificatePem, type ApiCertificateStore } from '../../security/gateway/api-certificate-store.js';
import type { ManagementContext } from '../context.js';
import { listOf, type Query } from '../list.js';

const LOGGER = 'org.wso2.carbon.apimgt.rest.api.publisher.v1.impl.ApisApiServiceImpl';
const DEFAULT_TIER = 'Unlimited';

function registry(ctx: ManagementContext): ApiCertificateRegistry {
  const r = ctx.runtime.apiCertificates;
  if (!r) throw new MiError(Errors.MGT_CERT_STORE, 'client certificates are not available on this server (no user store database)');
  return r;
}

/** The API must be deployed here, as API Manager asks for an existing API. */
function deployedApi(ctx: ManagementContext, name: string): string {
  if (!ctx.runtime.current.apis.has(name)) throw new MiError(Errors.MGT_CERT_API_UNKNOWN, `no API named '${name}' is deployed`);
  return name;
}

/** A database failure becomes 503 with our code; the store's own argument errors keep theirs. */
async function inStore<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof MiError && err.spec !== Errors.DB_UNAVAILABLE) throw err;
    throw new MiError(Errors.MGT_CERT_STORE, `the client certificates cannot be reached: ${(err as Error).message}`, { cause: err });
  }
}

function field(body: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = body[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new MiError(Errors.MGT_CERT_BAD_REQUEST, `the JSON body needs "${key}" as a non-empty string`);
  return v.trim();
}

async function find(store: ApiCertificateStore, api: string, alias: string) {
  const r = (await inStore(() => store.list(api))).find((c) => c.alias === alias);
  if (!r) throw new MiError(Errors.MGT_CERT_NOT_FOUND, `API ${api} has no client certificate with alias '${alias}'`);
  return r;
}

export function registerApiClientCertificates(app: FastifyInstance, ctx: ManagementContext): void {
  const admin = { config: { access: 'admin' as const } };
  const log = (m: string): void => ctx.runtime.logs.get(LOGGER).info(m);
  const base = '/management/apis/:apiName/client-certificates';

  app.get(base, admin, async (req) => {
    const api = deployedApi(ctx, (req.params as { apiName: string }).apiName);
    const rows = await inStore(() => registry(ctx).store.list(api));
    return listOf(rows.map((r) => ({ alias: r.alias, apiName: r.api, tier: r.tier })), (r) => r.alias, req.query as Query);
  });

  app.post(base, admin, async (req, reply) => {
    const api = deployedApi(ctx, (req.params as { apiName: string }).apiName);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new MiError(Errors.MGT_CERT_BAD_REQUEST, 'the body must be a JSON object with "alias", "certificate" and "tier"');
    const alias = field(body, 'alias', true)!;
    const pem = field(body, 'certificate', true)!;
    const tier = field(body, 'tier', false) ?? DEFAULT_TIER;
    let subject: string;
    try {
      subject = readCertificatePem(pem, `"certificate" of alias ${alias}`).subject.replace(/\n/g, ', ');
    } catch (err) {
      throw new MiError(Errors.MGT_CERT_BAD_REQUEST, (err as Error).message);
    }
    const reg = registry(ctx);
    if ((await inStore(() => reg.store.list(api))).some((c) => c.alias === alias)) {
      throw new MiError(Errors.MGT_CERT_ALIAS_TAKEN, `API ${api} already has a client certificate with alias '${alias}'; delete it first or choose another alias`);
    }
    try {
      await inStore(() => reg.store.add(api, alias, pem, tier));
    } catch (err) {
      // another node took the alias between the check and the insert
      if (err instanceof MiError && err.spec === Errors.API_CERT_ARGUMENT) throw new MiError(Errors.MGT_CERT_ALIAS_TAKEN, err.message);
      throw err;
    }
    await reg.reload();
    log(`user '${req.principal!.user}' added client certificate ${alias} (${subject}) to API ${api}, tier ${tier}`);
    return reply.code(201).send({ alias, apiName: api, tier });
  });

  app.get(`${base}/:alias`, admin, async (req) => {
    const { apiName, alias } = req.params as { apiName: string; alias: string };
    const api = deployedApi(ctx, apiName);
    const r = await find(registry(ctx).store, api, alias);
    const c = readCertificatePem(r.certificate, `certificate ${alias}`);
    const now = Date.now();
    const active = now >= Date.parse(c.validFrom) && now <= Date.parse(c.validTo);
    return {
      alias: r.alias,
      apiName: r.api,
      tier: r.tier,
      // API Manager's CertificateInfoDTO: status, validity, version, subject
      status: active ? 'Active' : 'Expired',
      validity: { from: c.validFrom, to: c.validTo },
      version: '3',
      subject: c.subject.replace(/\n/g, ', '),
      issuer: c.issuer.replace(/\n/g, ', '),
      serialNumber: c.serialNumber,
      fingerprintSha256: c.fingerprint256,
      addedAt: r.addedAt,
    };
  });

  app.delete(`${base}/:alias`, admin, async (req) => {
    const { apiName, alias } = req.params as { apiName: string; alias: string };
    const api = deployedApi(ctx, apiName);
    const reg = registry(ctx);
    if (!(await inStore(() => reg.store.remove(api, alias)))) throw new MiError(Errors.MGT_CERT_NOT_FOUND, `API ${api} has no client certificate with alias '${alias}'`);
    await reg.reload();
    log(`user '${req.principal!.user}' deleted client certificate ${alias} of API ${api}`);
    return { alias, apiName: api, status: 'Deleted' };
  });
}
