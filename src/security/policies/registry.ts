/**
 * The bundled access policies, in one list (as the mediators are). A new policy: its file here, one line
 * below, its test. Priorities decide the order within a route's access phase (higher first).
 */
import type { AccessPolicyDef } from './access-policy.js';
import { basicAuth } from './basic-auth.js';
import { apiSecurity } from './api-security-declaration.js';
import { clientCertificateDef, httpsTransport } from './client-certificate.js';
import { wsSecurity } from './ws-security.js';

export const ACCESS_POLICIES: readonly AccessPolicyDef[] = [httpsTransport, clientCertificateDef, wsSecurity, basicAuth, apiSecurity];

const byHandlerClass = new Map<string, AccessPolicyDef>();
for (const d of ACCESS_POLICIES) for (const c of d.handlerClasses ?? []) byHandlerClass.set(c, d);

/** The policy an API `<handler class="...">` declares (RESTBasicAuthHandler), if it is one. */
export function policyForHandlerClass(className: string): AccessPolicyDef | undefined {
  return byHandlerClass.get(className);
}
