/**
 * `GET /management/jwks`: the public key the backend JWT (`[apim.jwt]`) is signed with, as a JWKS with the
 * same `kid` as the JWTs, as API Manager's gateway serves it at /jwks. A JWKS is public: no login is needed,
 * so a backend can fetch it with no credentials of its own. 404 (MI_API_062) while the backend JWT is off.
 */
import type { FastifyInstance } from 'fastify';
import { Errors } from '../../errors.js';
import type { ManagementContext } from '../context.js';
import { sendError } from '../errors.js';

export function registerJwks(app: FastifyInstance, ctx: ManagementContext): void {
  app.get('/management/jwks', { config: { access: 'public' } }, async (_req, reply) => {
    const jwt = ctx.runtime.gateway.backendJwt;
    if (jwt === undefined) return sendError(reply, Errors.BACKEND_JWT_DISABLED, 'the backend JWT is not enabled ([apim.jwt] enable = true in deployment.toml); there is no key to publish');
    return reply.type('application/json').send(jwt.jwks());
  });
}
