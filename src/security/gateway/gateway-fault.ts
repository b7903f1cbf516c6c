/**
 * The faults a refused call gets, as WSO2 API Manager's gateway sends them, so that clients written for it
 * handle ours unchanged. Codes, messages and descriptions are APISecurityConstants' (carbon-apimgt); the
 * payload is the `ams:fault` element APIAuthenticationHandler builds, which the `_auth_failure_handler_`
 * sequence (`error_message_type = application/json`) turns into
 *
 *   {"fault":{"code":900910,"message":"...","description":"..."}}
 *
 * An `Accept` of exactly application/xml or text/xml gets the element itself (API Manager's
 * Utils.setFaultPayload), and a SOAP request a SOAP fault with code Client and reason
 * "Authentication Failure" (Utils.setSOAPFault). Statuses: 900900 -> 500; 900906, 900908, 900910 -> 403
 * (900910 -> 401 where `[api_security] scope_fault_status = 401`); every other code -> 401 with the
 * challenges of the schemes the resource accepts in `WWW-Authenticate`.
 */
import type { MessageContext, Reply } from '../../context/message-context.js';
import { soapContentType, soapFaultXml } from '../../context/soap.js';

export const API_SECURITY_NS = 'http://wso2.org/apimanager/security';

export const FaultCodes = {
  GENERAL_ERROR: 900900,
  INVALID_CREDENTIALS: 900901,
  MISSING_CREDENTIALS: 900902,
  FORBIDDEN: 900908,
  INVALID_SCOPE: 900910,
} as const;

const MESSAGES: Record<number, string> = {
  900900: 'Unclassified Authentication Failure',
  900901: 'Invalid Credentials',
  900902: 'Missing Credentials',
  900908: 'Resource forbidden ',
  900910: 'The access token does not allow you to access the requested resource',
};

/** APISecurityConstants.getFailureMessageDetailDescription: the reason, then what to do. */
const ADVICE: Record<number, string> = {
  900901: 'Make sure you have provided the correct security credentials',
  900902: 'Make sure your API invocation call has a header: ',
};

export interface GatewayRefusal {
  readonly code: number;
  /** The exception's message in API Manager: the start of the description. */
  readonly reason: string;
}

/** The description API Manager sends for a refusal (the missing-credentials one names the headers it reads). */
export function faultDescription(r: GatewayRefusal, authorizationHeader: string, apiKeyHeader: string): string {
  const advice = ADVICE[r.code];
  if (advice === undefined) return r.reason;
  let d = `${r.reason}. ${advice}`;
  if (r.code === FaultCodes.MISSING_CREDENTIALS) {
    d += `'${authorizationHeader} : Bearer ACCESS_TOKEN' or '${authorizationHeader} : Basic ACCESS_TOKEN' or '${apiKeyHeader} : API_KEY'`;
  }
  return d;
}

export function faultStatusOf(code: number, scopeFaultStatus: number): number {
  if (code === FaultCodes.GENERAL_ERROR) return 500;
  if (code === FaultCodes.INVALID_SCOPE) return scopeFaultStatus;
  if (code === FaultCodes.FORBIDDEN || code === 900906) return 403;
  return 401;
}

/** Text content as an XML writer (Axiom) escapes it: &, < and > only. */
export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A SOAP request: a SOAP 1.2 content type, or text/xml with a SOAPAction header (a POX call has none). */
export function soapVersion(mc: MessageContext): '1.1' | '1.2' | undefined {
  const ct = mc.payload.contentType;
  if (ct === undefined) return undefined;
  const mt = ct.split(';', 1)[0]!.trim().toLowerCase();
  if (mt === 'application/soap+xml') return '1.2';
  if (mt === 'text/xml' && mc.headers.get('soapaction') !== undefined) return '1.1';
  return undefined;
}

/**
 * The refusal's reply. `challenge` (the accepted schemes' realms) goes into WWW-Authenticate of a 401 as
 * APIAuthenticationHandler writes it.
 */
export function gatewayFaultReply(mc: MessageContext, code: number, description: string, status: number, challenge: string): Reply {
  const message = MESSAGES[code] ?? MESSAGES[FaultCodes.GENERAL_ERROR]!;
  const headers: Record<string, string> = {};
  if (status === 401) headers['www-authenticate'] = `${challenge} error="invalid_token", error_description="The provided token is invalid"`;
  const soap = soapVersion(mc);
  let body: string;
  if (soap !== undefined) {
    headers['content-type'] = soapContentType(soap);
    body = soapFaultXml(soap, { code: 'Client', reason: 'Authentication Failure', detail: escapeText(description) });
  } else {
    const accept = mc.headers.get('accept');
    if (accept === 'application/xml' || accept === 'text/xml') {
      headers['content-type'] = accept;
      body =
        `<ams:fault xmlns:ams="${API_SECURITY_NS}"><ams:code>${code}</ams:code>` +
        `<ams:message>${escapeText(message)}</ams:message><ams:description>${escapeText(description)}</ams:description></ams:fault>`;
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify({ fault: { code, message, description } });
    }
  }
  return { status, headers, body: Buffer.from(body) };
}
