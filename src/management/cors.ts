/**
 * CORS as Micro Integrator configures its management API: on by default for every origin (`*`) with the
 * Authorization and Content-Type headers (`[management_api.cors]`). Preflight requests are answered here,
 * before authentication: a browser sends them without credentials.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ManagementSettings } from './settings.js';

const METHODS = 'GET, POST, PUT, DELETE, PATCH, OPTIONS';

export function applyCors(cors: ManagementSettings['cors']) {
  const any = cors.origins.includes('*');
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!cors.enabled) return undefined;
    const origin = req.headers.origin;
    if (any) reply.header('access-control-allow-origin', '*');
    else if (origin && cors.origins.includes(origin)) reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    reply.header('access-control-allow-methods', METHODS).header('access-control-allow-headers', cors.headers);
    // an async hook that answers returns the reply, which stops the request here
    if (req.method === 'OPTIONS') return reply.code(204).send();
    return undefined;
  };
}
