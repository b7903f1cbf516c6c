/**
 * `GET /management/apis` and `?apiName=` (Micro Integrator's ApiResource): the list has name, url and
 * tracing; the detail adds version ("N/A" without one), stats, resources (methods, url template) and the
 * configuration as deployed.
 */
import type { FastifyInstance } from 'fastify';
import type { Api } from '../../artifacts/model.js';
import type { ManagementContext } from '../context.js';
import { notFound } from '../errors.js';
import { ASPECTS, configurationOf, listOf, tracingOf, type Query } from '../list.js';

function apiUrl(ctx: ManagementContext, api: Api): string {
  const base = api.transports.has('http') ? (ctx.listeners.http ?? ctx.listeners.https) : (ctx.listeners.https ?? ctx.listeners.http);
  return (base ?? '') + api.context;
}

export function registerApis(app: FastifyInstance, ctx: ManagementContext): void {
  app.get('/management/apis', async (req) => {
    const q = req.query as Query;
    const apis = ctx.runtime.current.apis;
    const name = q['apiName'];
    if (name !== undefined) {
      const api = apis.get(name);
      if (!api) notFound(`no API named '${name}' is deployed`);
      return {
        name: api.name,
        url: apiUrl(ctx, api),
        version: api.version ?? 'N/A',
        ...ASPECTS,
        tracing: tracingOf(api),
        resources: api.resources.map((r) => ({
          methods: r.methods ? [...r.methods] : ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'],
          url: r.uriTemplate ?? r.urlMapping ?? 'N/A',
        })),
        configuration: configurationOf(api.file),
      };
    }
    return listOf(
      [...apis.values()].map((a) => ({ name: a.name, url: apiUrl(ctx, a), tracing: tracingOf(a) })),
      (a) => a.name,
      q,
    );
  });
}
