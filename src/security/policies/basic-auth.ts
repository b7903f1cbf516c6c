/**
 * HTTP Basic authentication against the runtime's users (runtime.auth), declared as Micro Integrator's
 * `<handler class="org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler">` in an API's
 * `<handlers>`, with the optional `allowedRoles` property (comma-separated). Answers as that handler does:
 * no (or a non-Basic) Authorization header: 401 with `WWW-Authenticate: Basic realm="WSO2 EI"` and an
 * empty body; wrong credentials, or none of the allowed roles: 403 with an empty body. Too many failures
 * from one address: 429 (MI_AUTH_002); user store down: 503 (MI_AUTH_001). A cached login keeps the check
 * synchronous. The header's values are masked in logs for the request's lifetime by the listener.
 */
import type { MessageContext, Reply } from '../../context/message-context.js';
import { Errors, type ErrorSpec } from '../../errors.js';
import { parseExtensionProperties } from '../../handlers/properties.js';
import type { AuthOutcome } from '../auth/authenticator.js';
import { basicCredentials } from '../auth/basic-credentials.js';
import type { AccessPolicy, AccessPolicyDef, AccessVerdict } from './access-policy.js';

export const BASIC_AUTH_HANDLER_CLASS = 'org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler';

const CHALLENGE: Reply = Object.freeze({ status: 401, headers: Object.freeze({ 'www-authenticate': 'Basic realm="WSO2 EI"' }), body: undefined });

function empty(status: number): Reply {
  return { status, headers: {}, body: undefined };
}

/** The answer when the authentication service itself refuses (rate limits, store down): its code, not a credential fault. */
export function authServiceRefusal(outcome: Extract<AuthOutcome, { ok: false }>): Reply {
  return refusal(outcome.error ?? (outcome.reason === 'rate-limited' ? Errors.AUTH_RATE_LIMITED : Errors.AUTH_UNAVAILABLE), outcome.retryAfterSeconds);
}

function refusal(spec: ErrorSpec, retryAfterSeconds?: number): Reply {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (spec === Errors.AUTH_RATE_LIMITED || retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds ?? 60);
  return { status: spec.status!, headers, body: Buffer.from(JSON.stringify({ code: spec.code, message: spec.hint })) };
}

class BasicAuthPolicy implements AccessPolicy {
  readonly name = basicAuth.name;
  readonly priority = basicAuth.priority;

  constructor(private readonly allowed: ReadonlySet<string> | undefined) {}

  check(mc: MessageContext): AccessVerdict | Promise<AccessVerdict> {
    const header = mc.getProperty('Authorization', 'transport');
    if (typeof header !== 'string' || !/^\s*basic\s/i.test(header)) return { ...CHALLENGE, headers: { ...CHALLENGE.headers } };
    const creds = basicCredentials(header);
    if (!creds || creds.user === '') return empty(403);
    const auth = mc.runtime.auth;
    const hit = auth.cached(creds.user, creds.password, mc.inbound.remoteAddress);
    if (hit) return this.authorize(hit);
    return auth.authenticate(creds.user, creds.password, mc.inbound.remoteAddress).then((o) => this.authorize(o));
  }

  private authorize(outcome: AuthOutcome): AccessVerdict {
    if (!outcome.ok) {
      if (outcome.reason === 'invalid') return empty(403);
      return authServiceRefusal(outcome);
    }
    const allowed = this.allowed;
    if (!allowed || outcome.user.roles.some((r) => allowed.has(r.toLowerCase()))) return undefined;
    return empty(403);
  }
}

export const basicAuth: AccessPolicyDef = {
  name: 'basic_auth',
  priority: 2000,
  handlerClasses: [BASIC_AUTH_HANDLER_CLASS],
  parse(el, ctx) {
    const props = parseExtensionProperties(el, ctx);
    let allowed: ReadonlySet<string> | undefined;
    for (const [name, value] of Object.entries(props)) {
      if (name !== 'allowedRoles') {
        ctx.warn(el, Errors.UNKNOWN_ATTRIBUTE, `RESTBasicAuthHandler has no property '${name}' (known: allowedRoles); it is ignored`);
        continue;
      }
      if (typeof value !== 'string') {
        ctx.error(el, Errors.BAD_VALUE, 'allowedRoles must be a comma-separated list of roles');
        return undefined;
      }
      const roles = value.split(',').map((r) => r.trim().toLowerCase()).filter(Boolean);
      allowed = roles.length ? new Set(roles) : undefined;
    }
    return new BasicAuthPolicy(allowed);
  },
};
