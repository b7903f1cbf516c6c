/**
 * The replies of a refused request, as WS-Security 1.1 (section 12) defines them: SOAP 1.1 puts the wsse
 * fault code in faultcode, SOAP 1.2 in Code/Subcode under Sender; the reason is the standard fault string,
 * with a detail only where it cannot tell a user name from a password. Plus Micro Integrator's Basic-auth
 * challenge (401, `WWW-Authenticate: BASIC realm="WSO2 Micro Integrator"`).
 */
import type { Reply } from '../../context/message-context.js';
import { escapeXml, soapContentType, soapNs, type SoapVersion } from '../../context/soap.js';
import type { ErrorSpec } from '../../errors.js';
import { WSSE_NS } from './namespaces.js';

export type WssFaultCode = 'InvalidSecurity' | 'InvalidSecurityToken' | 'FailedAuthentication' | 'MessageExpired';

const STANDARD_REASON: Record<WssFaultCode, string> = {
  InvalidSecurity: 'An error was discovered processing the <wsse:Security> header',
  InvalidSecurityToken: 'An invalid security token was provided',
  FailedAuthentication: 'The security token could not be authenticated or authorized',
  MessageExpired: 'The message has expired',
};

/** Why a request was refused: what the client is told, and what the log line says. */
export interface WssFailure {
  /** A WS-Security fault, or a plain SOAP Receiver fault for trouble on our side (`server`). */
  readonly fault: WssFaultCode | 'server';
  readonly spec: ErrorSpec;
  /** Added to the standard reason; never says whether the user or the password was wrong. */
  readonly detail?: string;
  /** For the log only (user names yes, passwords and nonces never). */
  readonly log: string;
  /** A Basic-bridged request: authentication failures answer 401 with the challenge. */
  readonly bridged?: boolean;
}

export const REALM = 'WSO2 Micro Integrator';
const CHALLENGE = `BASIC realm="${REALM}"`;

export function wssFailure(fault: WssFailure['fault'], spec: ErrorSpec, log: string, detail?: string): WssFailure {
  return { fault, spec, log, detail };
}

export function faultReason(f: WssFailure): string {
  if (f.fault === 'server') return f.detail ?? 'The request could not be processed';
  return f.detail ? `${STANDARD_REASON[f.fault]}: ${f.detail}` : STANDARD_REASON[f.fault];
}

/** The fault envelope for `f` in the request's SOAP version. */
export function faultEnvelope(v: SoapVersion, f: WssFailure): string {
  const reason = escapeXml(faultReason(f));
  const env = soapNs(v);
  if (v === '1.1') {
    const code = f.fault === 'server' ? 'soapenv:Server' : `wsse:${f.fault}`;
    return (
      `<soapenv:Envelope xmlns:soapenv="${env}"><soapenv:Body><soapenv:Fault>` +
      `<faultcode xmlns:wsse="${WSSE_NS}">${code}</faultcode><faultstring>${reason}</faultstring>` +
      `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`
    );
  }
  const code =
    f.fault === 'server'
      ? `<soapenv:Code><soapenv:Value>soapenv:Receiver</soapenv:Value></soapenv:Code>`
      : `<soapenv:Code><soapenv:Value>soapenv:Sender</soapenv:Value><soapenv:Subcode><soapenv:Value xmlns:wsse="${WSSE_NS}">wsse:${f.fault}</soapenv:Value></soapenv:Subcode></soapenv:Code>`;
  return (
    `<soapenv:Envelope xmlns:soapenv="${env}"><soapenv:Body><soapenv:Fault>${code}` +
    `<soapenv:Reason><soapenv:Text xml:lang="en">${reason}</soapenv:Text></soapenv:Reason>` +
    `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`
  );
}

/**
 * The reply for a refused request: HTTP 500 with the fault (503 for an outage on our side); a failed
 * Basic-bridged request answers 401 with the challenge as Micro Integrator does (the fault body is kept
 * for SOAP clients, dropped for REST ones).
 */
export function failureReply(v: SoapVersion, f: WssFailure, soapRequest: boolean): Reply {
  const headers: Record<string, string> = {};
  if (f.bridged && f.fault === 'FailedAuthentication') {
    headers['www-authenticate'] = CHALLENGE;
    if (!soapRequest) return { status: 401, headers, body: undefined };
    headers['content-type'] = soapContentType(v);
    return { status: 401, headers, body: Buffer.from(faultEnvelope(v, f)) };
  }
  headers['content-type'] = soapContentType(v);
  return { status: f.spec.status ?? 500, headers, body: Buffer.from(faultEnvelope(v, f)) };
}

/** No security header and no Basic credentials on a UTOverTransport proxy: 401 with the challenge, no body. */
export function challengeReply(): Reply {
  return { status: 401, headers: { 'www-authenticate': CHALLENGE }, body: undefined };
}
