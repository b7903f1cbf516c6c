/**
 * Micro Integrator's `org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler`: HTTP Basic
 * authentication for an API against the runtime's users (runtime.auth). No (or a non-Basic) Authorization
 * header: 401 with `WWW-Authenticate: Basic realm="WSO2 EI"` and an empty body; wrong credentials, or none
 * of the `allowedRoles` (comma-separated, optional): 403 with an empty body. Too many failures from one
 * address: 429 (MI_AUTH_002); user store down: 503 (MI_AUTH_001). A cached answer keeps the handler
 * synchronous. The header's values are masked in logs for the request's lifetime by the listener.
 */
import type { MessageContext } from '../context/message-context.js';
import type { AuthOutcome } from '../security/auth/authenticator.js';
import { Errors, type ErrorSpec } from '../errors.js';
import { basicCredentials } from '../security/auth/basic-credentials.js';
import type { Handler, HandlerProperties, HookResult } from './contract.js';

export const BASIC_AUTH_HANDLER_CLASS = 'org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler';
const CHALLENGE = { 'www-authenticate': 'Basic realm="WSO2 EI"' };

export class RESTBasicAuthHandler implements Handler {
  private allowed: ReadonlySet<string> | undefined;

  constructor(_props: HandlerProperties) {}

  /** `<property name="allowedRoles" value="admin, ops"/>` (called as Micro Integrator calls bean setters). */
  setAllowedRoles(value: unknown): void {
    if (typeof value !== 'string') throw new TypeError('allowedRoles must be a comma-separated list of roles');
    const roles = value.split(',').map((r) => r.trim().toLowerCase()).filter(Boolean);
    this.allowed = roles.length ? new Set(roles) : undefined;
  }

  handleRequest(mc: MessageContext): HookResult {
    const header = mc.getProperty('Authorization', 'transport');
    if (typeof header !== 'string') return mc.respond(401, undefined, CHALLENGE);
    if (!/^\s*basic\s/i.test(header)) return mc.respond(401, undefined, CHALLENGE);
    const creds = basicCredentials(header);
    if (!creds || creds.user === '') return mc.respond(403);
    const { user, password } = creds;
    const hit = mc.runtime.auth.cached(user, password, mc.inbound.remoteAddress);
    if (hit) return this.authorize(mc, hit);
    return mc.runtime.auth.authenticate(user, password, mc.inbound.remoteAddress).then((o) => this.authorize(mc, o));
  }

  private authorize(mc: MessageContext, outcome: AuthOutcome): HookResult {
    if (!outcome.ok) {
      if (outcome.reason === 'invalid') return mc.respond(403);
      return refuse(mc, outcome.error ?? (outcome.reason === 'rate-limited' ? Errors.AUTH_RATE_LIMITED : Errors.AUTH_UNAVAILABLE), outcome.retryAfterSeconds);
    }
    const allowed = this.allowed;
    if (!allowed || outcome.user.roles.some((r) => allowed.has(r.toLowerCase()))) return true;
    return mc.respond(403);
  }
}

function refuse(mc: MessageContext, spec: ErrorSpec, retryAfterSeconds?: number): false {
  const body = JSON.stringify({ code: spec.code, message: spec.hint });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (spec === Errors.AUTH_RATE_LIMITED || retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds ?? 60);
  return mc.respond(spec.status!, body, headers);
}
