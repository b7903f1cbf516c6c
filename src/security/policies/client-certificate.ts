/**
 * Transport checks: the request came over HTTPS, and with a TLS client certificate (verified by the
 * listener against the trust store, or taken from a trusted load balancer's header: see
 * security/tls/client-certificate.ts). They run before any credential check. How a refusal is answered
 * belongs to whoever declared the check (a WS-Security policy answers with a WS-Security fault).
 */
import type { MessageContext, Reply } from '../../context/message-context.js';
import type { AccessPolicy, AccessPolicyDef } from './access-policy.js';

export type TransportRefusal = (mc: MessageContext, what: 'https' | 'certificate') => Reply;

export const httpsTransport: AccessPolicyDef = { name: 'https', priority: 3000 };
export const clientCertificateDef: AccessPolicyDef = { name: 'mutualssl', priority: 2900 };

export function httpsOnly(refuse: TransportRefusal): AccessPolicy {
  return {
    name: httpsTransport.name,
    priority: httpsTransport.priority,
    check: (mc) => (mc.inbound.protocol === 'https' ? undefined : refuse(mc, 'https')),
  };
}

export function clientCertificate(refuse: TransportRefusal): AccessPolicy {
  return {
    name: clientCertificateDef.name,
    priority: clientCertificateDef.priority,
    asksClientCertificate: true,
    check: (mc) => (mc.clientCertificate ? undefined : refuse(mc, 'certificate')),
  };
}
