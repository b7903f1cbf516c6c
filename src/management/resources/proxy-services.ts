/**
 * `GET /management/proxy-services` and `?proxyServiceName=` (Micro Integrator's ProxyServiceResource):
 * name with its WSDL 1.1 and 2.0 URLs; the detail adds stats, tracing, the configuration, the endpoint
 * references for each transport and whether it is running (startOnLoad).
 */
import type { FastifyInstance } from 'fastify';
import type { ProxyService } from '../../artifacts/model.js';
import type { ManagementContext } from '../context.js';
import { notFound } from '../errors.js';
import { ASPECTS, configurationOf, listOf, tracingOf, type Query } from '../list.js';

function serviceUrl(ctx: ManagementContext, p: ProxyService): string {
  const base = p.transports.has('http') ? (ctx.listeners.http ?? ctx.listeners.https) : (ctx.listeners.https ?? ctx.listeners.http);
  return `${base ?? ''}/services/${p.name}`;
}

function summary(ctx: ManagementContext, p: ProxyService): { name: string; wsdl1_1: string; wsdl2_0: string } {
  const url = serviceUrl(ctx, p);
  return { name: p.name, wsdl1_1: `${url}?wsdl`, wsdl2_0: `${url}?wsdl2` };
}

export function registerProxyServices(app: FastifyInstance, ctx: ManagementContext): void {
  app.get('/management/proxy-services', async (req) => {
    const q = req.query as Query;
    const proxies = ctx.runtime.current.proxies;
    const name = q['proxyServiceName'];
    if (name !== undefined) {
      const p = proxies.get(name);
      if (!p) notFound(`no proxy service named '${name}' is deployed`);
      const eprs = (['http', 'https'] as const)
        .filter((t) => p.transports.has(t) && ctx.listeners[t])
        .map((t) => `${ctx.listeners[t]}/services/${p.name}`);
      return { ...summary(ctx, p), ...ASPECTS, tracing: tracingOf(p), configuration: configurationOf(p.file), eprs, isRunning: p.startOnLoad };
    }
    return listOf([...proxies.values()].map((p) => summary(ctx, p)), (p) => p.name, q);
  });
}
