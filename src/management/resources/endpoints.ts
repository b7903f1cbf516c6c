/**
 * `GET /management/endpoints` and `?endpointName=` (Micro Integrator's EndpointResource): name, type and
 * isActive (false while suspended); the detail adds the address (without user info) and configuration.
 */
import type { FastifyInstance } from 'fastify';
import type { MessageContext } from '../../context/message-context.js';
import type { Endpoint } from '../../endpoints/endpoint.js';
import type { Runtime } from '../../runtime.js';
import type { ManagementContext } from '../context.js';
import { notFound } from '../errors.js';
import { configurationOf, listOf, type Query } from '../list.js';

/** Leaf endpoints answer without a message; groups and indirect ones look their children up through it. */
function isActive(runtime: Runtime, ep: Endpoint): boolean {
  if (!ep.ready) return true;
  try {
    return ep.ready({ runtime } as unknown as MessageContext);
  } catch {
    return true;
  }
}

export function registerEndpoints(app: FastifyInstance, ctx: ManagementContext): void {
  app.get('/management/endpoints', async (req) => {
    const q = req.query as Query;
    const dep = ctx.runtime.current;
    const name = q['endpointName'];
    if (name !== undefined) {
      const ep = dep.endpoints.get(name);
      if (!ep) notFound(`no endpoint named '${name}' is deployed`);
      return { name, type: ep.type ?? 'unknown', address: ep.address, isActive: isActive(ctx.runtime, ep), configuration: configurationOf(ctx.artifactFile('endpoint', name)) };
    }
    return listOf(
      [...dep.endpoints].map(([key, ep]) => ({ name: key, type: ep.type ?? 'unknown', isActive: isActive(ctx.runtime, ep) })),
      (e) => e.name,
      q,
    );
  });
}
