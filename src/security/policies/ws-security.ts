/**
 * WS-Security on a proxy service: the `<policy key>` + `<enableSec/>` of a proxy compile (at parse time, or
 * when the deployment is linked for a policy held in a local entry) into a ProxySecurity, which becomes
 * these access policies: the policy's transport requirements first (HTTPS, a client certificate), then the
 * wsse:Security header (UsernameToken, Timestamp, nonce). They run before the handlers and the in-sequence,
 * as Rampart does before Synapse sees the message, so a refused request never reaches a fault sequence.
 */
import type { MessageContext } from '../../context/message-context.js';
import { checkWsSecurity, refuseTransport } from '../ws-security/enforce.js';
import type { ProxySecurity } from '../ws-security/proxy-security.js';
import { AccessPhase } from './access-phase.js';
import type { AccessPolicy, AccessPolicyDef, AccessServices, AccessVerdict } from './access-policy.js';
import { clientCertificate, httpsOnly } from './client-certificate.js';

class WsSecurityPolicy implements AccessPolicy {
  readonly name = wsSecurity.name;
  readonly priority = wsSecurity.priority;
  constructor(private readonly security: ProxySecurity) {}

  check(mc: MessageContext, services: AccessServices): Promise<AccessVerdict> {
    return checkWsSecurity(mc, this.security, services.nonces);
  }
}

/** Declared by a proxy's `<policy>` (see parse-proxy-security.ts), not by an element of its own. */
export const wsSecurity: AccessPolicyDef = {
  name: 'ws_security',
  priority: 2100,
};

/** The access phase of a proxy: null for an unsecured one. */
export function proxyAccess(security: ProxySecurity | undefined): AccessPhase | null {
  if (!security) return null;
  const refuse = refuseTransport;
  const list: AccessPolicy[] = [];
  if (security.plan.requireHttps) list.push(httpsOnly(refuse));
  if (security.plan.requireClientCertificate) list.push(clientCertificate(refuse));
  list.push(new WsSecurityPolicy(security));
  return AccessPhase.of(list);
}
