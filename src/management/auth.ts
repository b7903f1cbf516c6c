/**
 * Who is calling. `/login` takes Basic credentials; every other resource a Bearer token from it, or
 * Basic credentials on each call when `[management_api.jwt_token_security_handler] enable = false`
 * (authentication never switches off). Credentials go through runtime.auth, so the caches, the rate limit
 * and fail-closed behaviour are the same as for every other security feature. Admin-only resources look
 * the user up again, so a role taken away counts at once, not when the token expires.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Errors, MiError } from '../errors.js';
import type { ManagementContext } from './context.js';
import { sendError } from './errors.js';
import { basicCredentials } from '../security/auth/basic-credentials.js';

/** login: Basic only; user: any authenticated user; admin: a user with the admin role; public: no credentials (a JWKS). */
export type Access = 'login' | 'user' | 'admin' | 'public';

export interface Principal {
  readonly user: string;
  readonly isAdmin: boolean;
  /** The token the call came with (for logout). */
  readonly tokenId?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="WSO2 EI"' };
const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer' };

function credentials(header: string): { scheme: string; value: string } | undefined {
  const sp = header.indexOf(' ');
  if (sp <= 0) return undefined;
  return { scheme: header.slice(0, sp).toLowerCase(), value: header.slice(sp + 1).trim() };
}

async function basic(ctx: ManagementContext, req: FastifyRequest, reply: FastifyReply, value: string): Promise<Principal | undefined> {
  const creds = basicCredentials(`Basic ${value}`);
  if (!creds || creds.user === '') {
    sendError(reply, Errors.MGT_UNAUTHENTICATED, 'the Basic credentials are not base64 of user:password', BASIC_CHALLENGE);
    return undefined;
  }
  const outcome = await ctx.runtime.auth.authenticate(creds.user, creds.password, req.ip);
  if (outcome.ok) return { user: outcome.user.name, isAdmin: outcome.user.isAdmin };
  if (outcome.error) {
    // a limited address or a full verification queue: its own code, answered before any password is hashed
    const retry: Record<string, string> = outcome.retryAfterSeconds === undefined ? {} : { 'retry-after': String(outcome.retryAfterSeconds) };
    sendError(reply, outcome.error, `${outcome.error.hint} (client ${req.ip})`, retry);
  } else if (outcome.reason === 'rate-limited') {
    sendError(reply, Errors.MGT_RATE_LIMITED, `too many failed logins for this user from ${req.ip}; try again in ${ctx.retryAfterSeconds} s`, { 'retry-after': String(ctx.retryAfterSeconds) });
  } else if (outcome.reason === 'unavailable') {
    sendError(reply, Errors.MGT_AUTH_UNAVAILABLE, 'the user store cannot be reached; nobody can log in until it is back (see the server log)');
  } else {
    sendError(reply, Errors.MGT_UNAUTHENTICATED, 'wrong user name or password', BASIC_CHALLENGE);
  }
  return undefined;
}

async function bearer(ctx: ManagementContext, reply: FastifyReply, value: string): Promise<Principal | undefined> {
  let held;
  try {
    held = await ctx.tokens.verify(value);
  } catch (err) {
    // the shared token store is down: refuse (fail closed) with 503, not 401, so clients do not log in again
    if (!(err instanceof MiError)) throw err;
    sendError(reply, err.spec, err.message);
    return undefined;
  }
  if (held) return { user: held.user, isAdmin: held.isAdmin, tokenId: held.id };
  sendError(reply, Errors.MGT_UNAUTHENTICATED, 'the access token is invalid, expired or revoked; log in again at /management/login', BEARER_CHALLENGE);
  return undefined;
}

/** The onRequest hook: sets request.principal, or answers 401/403/429/503 and stops the request. */
export function authenticateRequest(ctx: ManagementContext) {
  // an async hook that has answered returns the reply, which stops the request there
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (req.method === 'OPTIONS') return undefined;
    const access: Access = req.routeOptions.config?.access ?? 'user';
    if (access === 'public') return undefined;
    const header = req.headers.authorization;
    const useBasic = access === 'login' || !ctx.settings.jwt;
    const challenge = useBasic ? BASIC_CHALLENGE : BEARER_CHALLENGE;
    const cred = header ? credentials(header) : undefined;
    if (!cred || cred.scheme !== (useBasic ? 'basic' : 'bearer')) {
      const want = useBasic ? 'Basic credentials (Authorization: Basic base64(user:password))' : 'an access token (Authorization: Bearer <AccessToken> from /management/login)';
      return sendError(reply, Errors.MGT_UNAUTHENTICATED, `this resource needs ${want}`, challenge);
    }
    const principal = useBasic ? await basic(ctx, req, reply, cred.value) : await bearer(ctx, reply, cred.value);
    if (!principal) return reply;
    if (access === 'admin' && !(await stillAdmin(ctx, reply, principal))) return reply;
    req.principal = principal;
    return undefined;
  };
}

async function stillAdmin(ctx: ManagementContext, reply: FastifyReply, p: Principal): Promise<boolean> {
  let isAdmin = p.isAdmin;
  if (p.tokenId !== undefined) {
    let info;
    try {
      info = await ctx.runtime.auth.user(p.user);
    } catch {
      sendError(reply, Errors.MGT_AUTH_UNAVAILABLE, 'the user store cannot be reached to check the admin role (see the server log)');
      return false;
    }
    if (!info) {
      sendError(reply, Errors.MGT_UNAUTHENTICATED, `user '${p.user}' no longer exists; log in again`, BEARER_CHALLENGE);
      return false;
    }
    isAdmin = info.isAdmin;
  }
  if (!isAdmin) sendError(reply, Errors.MGT_FORBIDDEN, `user '${p.user}' does not have the ${ctx.runtime.auth.adminRole} role this resource needs`);
  return isAdmin;
}
