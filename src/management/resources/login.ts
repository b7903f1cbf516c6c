/**
 * `GET /management/login` (Basic) -> `{"AccessToken": "<JWT>"}`, and `GET /management/logout` (Bearer),
 * which revokes the token it came with. As in Micro Integrator, /login only exists while the JWT handler
 * is on; with it off every call carries Basic credentials and there is nothing to log in to.
 */
import type { FastifyInstance } from 'fastify';
import { Errors, MiError } from '../../errors.js';
import type { ManagementContext } from '../context.js';

const LOGGER = 'org.wso2.micro.integrator.management.apis.LoginResource';

export function registerLogin(app: FastifyInstance, ctx: ManagementContext): void {
  app.get('/management/login', { config: { access: 'login' } }, async (req) => {
    if (!ctx.settings.jwt) {
      throw new MiError(Errors.MGT_BAD_REQUEST, 'Login is accessible only when JWT based auth handler is engaged ([management_api.jwt_token_security_handler] enable = false: send Basic credentials on every call)');
    }
    const p = req.principal!;
    const token = await ctx.tokens.issue({ user: p.user, isAdmin: p.isAdmin });
    ctx.runtime.logs.get(LOGGER).info(`user '${p.user}' logged in to the management API from ${req.ip}`);
    return { AccessToken: token };
  });
  app.get('/management/logout', async (req) => {
    const p = req.principal!;
    if (p.tokenId !== undefined) await ctx.tokens.revoke(p.tokenId);
    ctx.runtime.logs.get(LOGGER).info(`user '${p.user}' logged out of the management API`);
    return { Message: 'Logout successful' };
  });
}
