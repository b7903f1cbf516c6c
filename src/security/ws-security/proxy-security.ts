/** A secured proxy's WS-Security settings: the compiled policy plus the proxy parameters that tune it. */
import type { WsSecurityPlan } from './policy-plan.js';
import { UT_OVER_TRANSPORT_ID } from './namespaces.js';

export interface ProxySecurity {
  readonly plan: WsSecurityPlan;
  /** `<parameter name="preserveSecurityHeader">true</parameter>`: the backend gets the wsse:Security header too. */
  readonly preserveHeader: boolean;
  /** Micro Integrator's Basic-auth bridge applies (policy wsu:Id UTOverTransport). */
  readonly basicBridge: boolean;
  /** `<parameter name="enableBasicAuth">`: overrides `[server] enable_basic_auth` for this proxy. */
  readonly basicAuth: boolean | undefined;
}

export function proxySecurity(plan: WsSecurityPlan, parameters: ReadonlyMap<string, string>): ProxySecurity {
  const flag = (name: string): boolean | undefined => {
    const v = parameters.get(name)?.trim().toLowerCase();
    return v === undefined || v === '' ? undefined : v === 'true';
  };
  return Object.freeze({
    plan,
    preserveHeader: flag('preserveSecurityHeader') === true,
    basicBridge: plan.policyId === UT_OVER_TRANSPORT_ID,
    basicAuth: flag('enableBasicAuth'),
  });
}
