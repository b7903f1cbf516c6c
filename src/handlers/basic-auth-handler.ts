/**
 * Micro Integrator's `org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler`: HTTP Basic
 * authentication for an API against the runtime's user store. No (or a non-Basic) Authorization header:
 * 401 with `WWW-Authenticate: Basic realm="WSO2 EI"` and an empty body; wrong credentials, or none of the
 * `allowedRoles` (comma-separated, optional): 403 with an empty body. The header's values are masked in logs
 * for the request's lifetime by the listener.
 */
import type { MessageContext } from '../context/message-context.js';
import type { Handler, HandlerProperties, HookResult } from './contract.js';
import { userStoreOf, type UserStore } from './user-store.js';

export const BASIC_AUTH_HANDLER_CLASS = 'org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler';
const CHALLENGE = { 'www-authenticate': 'Basic realm="WSO2 EI"' };

export class RESTBasicAuthHandler implements Handler {
  private allowed: ReadonlySet<string> | undefined;

  constructor(_props: HandlerProperties) {}

  /** `<property name="allowedRoles" value="admin, ops"/>` (called as Micro Integrator calls bean setters). */
  setAllowedRoles(value: unknown): void {
    if (typeof value !== 'string') throw new TypeError('allowedRoles must be a comma-separated list of roles');
    const roles = value.split(',').map((r) => r.trim()).filter(Boolean);
    this.allowed = roles.length ? new Set(roles) : undefined;
  }

  handleRequest(mc: MessageContext): HookResult {
    const header = mc.getProperty('Authorization', 'transport');
    if (typeof header !== 'string') return mc.respond(401, undefined, CHALLENGE);
    const sp = header.indexOf(' ');
    if (sp < 0 || header.slice(0, sp).toLowerCase() !== 'basic') return mc.respond(401, undefined, CHALLENGE);
    const decoded = Buffer.from(header.slice(sp + 1).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return mc.respond(403);
    const user = decoded.slice(0, colon);
    const store = userStoreOf(mc.runtime);
    const ok = store.authenticate(user, decoded.slice(colon + 1));
    return typeof ok === 'boolean' ? this.authorize(mc, store, user, ok) : ok.then((v) => this.authorize(mc, store, user, v));
  }

  private authorize(mc: MessageContext, store: UserStore, user: string, authenticated: boolean): HookResult {
    if (!authenticated) return mc.respond(403);
    const allowed = this.allowed;
    if (!allowed) return true;
    const check = (roles: readonly string[]): boolean => roles.some((r) => allowed.has(r)) || mc.respond(403);
    const roles = store.rolesOf(user);
    return Array.isArray(roles) ? check(roles as readonly string[]) : (roles as Promise<readonly string[]>).then(check);
  }
}
