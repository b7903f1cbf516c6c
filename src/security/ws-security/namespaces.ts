/** The namespaces and URIs of WS-Security, WS-SecurityPolicy, WS-Policy, Rampart and Carbon security. */
export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
/** WS-Security 1.1 additions (wsse11:Salt, ...). */
export const WSSE11_NS = 'http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd';

const UT_PROFILE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';
export const PASSWORD_TEXT = `${UT_PROFILE}#PasswordText`;
export const PASSWORD_DIGEST = `${UT_PROFILE}#PasswordDigest`;
export const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/** WS-Policy 1.2 (2004/09), used by Micro Integrator's policies, and WS-Policy 1.5. */
export const WSP_NAMESPACES: ReadonlySet<string> = new Set(['http://schemas.xmlsoap.org/ws/2004/09/policy', 'http://www.w3.org/ns/ws-policy']);
/** WS-SecurityPolicy 1.1 (2005/07, Micro Integrator's scenarios), 1.2 and 1.3. */
export const SP_NAMESPACES: ReadonlySet<string> = new Set([
  'http://schemas.xmlsoap.org/ws/2005/07/securitypolicy',
  'http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702',
  'http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200802',
]);
export const RAMPART_NS = 'http://ws.apache.org/rampart/policy';
export const CARBON_SEC_NS = 'http://www.wso2.org/products/carbon/security';
export const ALLOWED_ROLES_PROPERTY = 'org.wso2.carbon.security.allowedroles';

/** The wsu:Id of Micro Integrator's "UsernameToken over HTTPS" scenario, which turns on the Basic-auth bridge. */
export const UT_OVER_TRANSPORT_ID = 'UTOverTransport';

export const SOAP11_ACTOR_NEXT = 'http://schemas.xmlsoap.org/soap/actor/next';
export const SOAP12_ROLE_NEXT = 'http://www.w3.org/2003/05/soap-envelope/role/next';
export const SOAP12_ROLE_ULTIMATE = 'http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver';
