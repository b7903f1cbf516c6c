/**
 * Which security each resource of an API gets when it is declared in several places, and what `mi
 * validate` says about it. The nearer declaration wins:
 *
 *   1. the resource's own `<security>` (XML);
 *   2. the OpenAPI operation(s) reaching the resource: their `security`, `x-scope`, `x-auth-type: None`,
 *      `x-wso2-disable-security` (per method: one resource may serve operations secured differently);
 *   3. the API's: `<security>` or API Manager's handler on the `<api>` (XML), or the top-level `security`
 *      of the OpenAPI definition (both at once is refused: MI_API_014, parse-api.ts);
 *   4. `[api_security] default = "oauth2"`, for an API that declares nothing at all (as API Microgateway
 *      secures an API without security); else open.
 *
 * Whatever the source, the result is the same access phase of the same policies (api-security.ts).
 */
import { AccessPhase } from './access-phase.js';
import type { AccessPolicy, AccessServices, AccessVerdict } from './access-policy.js';
import { API_SECURITY_POLICY, API_SECURITY_PRIORITY } from './api-security.js';
import type { ParsedSecurity } from './api-security-declaration.js';
import type { DeclaredSecurity, OpenApiSecurity } from './openapi-security.js';
import type { MessageContext } from '../../context/message-context.js';

/** One line of `mi validate`'s security report. */
export interface ResourceSecurityLine {
  /** `GET /menu` (`ANY` for a resource without methods). */
  readonly resource: string;
  /** `oauth2 (scopes: read:menu)`, `open`, ... */
  readonly security: string;
  /** `XML <resource>`, `OpenAPI paths./menu.get.security`, `XML <api>`, `OpenAPI security`, `default`. */
  readonly source: string;
  /** The resource's index in the API. */
  readonly index?: number;
}

export interface ResourceInput {
  readonly methods: ReadonlySet<string> | undefined;
  /** uri-template / url-mapping as written ('/*' for a resource with neither). */
  readonly path: string;
  readonly own: ParsedSecurity | undefined;
}

export interface ApiSecurityInput {
  /** The API's policies from XML: its `<handlers>` (API Manager's, RESTBasicAuthHandler) and `<security>`. */
  readonly apiPolicies: readonly AccessPolicy[];
  readonly resources: readonly ResourceInput[];
  readonly openapi: OpenApiSecurity | undefined;
  /** `[api_security] default = "oauth2"`: the policy an API without any declaration gets. */
  readonly defaultPolicy: AccessPolicy | undefined;
}

export interface ApiSecurityResult {
  readonly apiAccess: AccessPhase | null;
  readonly resourceAccess: readonly (AccessPhase | null)[];
  readonly report: readonly ResourceSecurityLine[];
}

/** A resource whose methods are secured differently (OpenAPI operations on one resource): picks by method. */
class MethodSecurityPolicy implements AccessPolicy {
  readonly name = API_SECURITY_POLICY;
  readonly priority = API_SECURITY_PRIORITY;

  constructor(
    private readonly byMethod: ReadonlyMap<string, AccessPolicy | null>,
    private readonly fallback: AccessPolicy | undefined,
  ) {}

  check(mc: MessageContext, services: AccessServices): AccessVerdict | Promise<AccessVerdict> {
    const m = mc.inbound.method.toUpperCase();
    const p = this.byMethod.has(m) ? this.byMethod.get(m) : this.fallback;
    return p ? p.check(mc, services) : undefined;
  }
}

function describe(phase: AccessPhase | null): string {
  if (!phase) return 'open';
  return phase.policies.map((p) => p.description ?? p.name).join('; ');
}

function override(d: DeclaredSecurity): ParsedSecurity {
  return { policy: d.policy, open: d.open };
}

/** A resource's phase: the API's policies, with `own` replacing the API's credential policy (or removing it). */
export function withOwnSecurity(base: readonly AccessPolicy[], own: ParsedSecurity | undefined): AccessPhase | null {
  if (own === undefined) return AccessPhase.of(base);
  if (own.open) return AccessPhase.of(base.filter((p) => p.name !== API_SECURITY_POLICY));
  return AccessPhase.of(base, own.policy ? [own.policy] : []);
}

export function resolveApiSecurity(input: ApiSecurityInput): ApiSecurityResult {
  const doc = input.openapi?.document;
  let base = [...input.apiPolicies];
  let apiSource = input.apiPolicies.some((p) => p.name === API_SECURITY_POLICY) ? 'XML <api>' : input.apiPolicies.length ? 'XML <handlers>' : 'none';
  if (doc) {
    apiSource = `OpenAPI ${doc.where}`;
    if (doc.policy) base.push(doc.policy);
  } else if (!input.apiPolicies.length && input.defaultPolicy) {
    base = [input.defaultPolicy];
    apiSource = 'default';
  }
  const baseCredential = base.find((p) => p.name === API_SECURITY_POLICY);
  const report: ResourceSecurityLine[] = [];
  const resourceAccess = input.resources.map((r, i) => {
    const methods = r.methods ? [...r.methods] : ['ANY'];
    const line = (method: string, phase: AccessPhase | null, source: string): void => {
      report.push({ resource: `${method} ${r.path}`, security: describe(phase), source, index: i });
    };
    if (r.own !== undefined) {
      const phase = withOwnSecurity(base, r.own);
      for (const m of methods) line(m, phase, 'XML <resource>');
      return phase;
    }
    const ops = input.openapi?.operations.get(i);
    if (!ops || ops.size === 0) {
      const phase = AccessPhase.of(base);
      for (const m of methods) line(m, phase, apiSource);
      return phase;
    }
    const covered = r.methods !== undefined && [...r.methods].every((m) => ops.has(m));
    const first = ops.values().next().value!;
    const uniform = covered && [...ops.values()].every((d) => d.description === first.description);
    if (uniform) {
      const phase = withOwnSecurity(base, override(first));
      for (const m of methods) line(m, phase, `OpenAPI ${ops.get(m)!.where}`);
      return phase;
    }
    const byMethod = new Map<string, AccessPolicy | null>();
    for (const [m, d] of ops) byMethod.set(m, d.open ? null : (d.policy ?? null));
    const phase = AccessPhase.of(base, [new MethodSecurityPolicy(byMethod, baseCredential)]);
    for (const m of r.methods ? methods : [...ops.keys(), 'ANY']) {
      const d = ops.get(m);
      line(m === 'ANY' ? 'other methods' : m, withOwnSecurity(base, d ? override(d) : undefined), d ? `OpenAPI ${d.where}` : apiSource);
    }
    return phase;
  });
  return { apiAccess: AccessPhase.of(base), resourceAccess, report };
}
