/** SOAP envelopes and faults for 1.1 and 1.2, and the content types that go with them. */
import { SOAP11_NS, SOAP12_NS } from '../xml/dom.js';

export type SoapVersion = '1.1' | '1.2';

export function soapNs(v: SoapVersion): string {
  return v === '1.2' ? SOAP12_NS : SOAP11_NS;
}

export function soapContentType(v: SoapVersion): string {
  return v === '1.2' ? 'application/soap+xml; charset=UTF-8' : 'text/xml; charset=UTF-8';
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&apos;'));
}

export interface FaultSpec {
  code: string; // e.g. 'soapenv:Server' / 'Receiver' (prefix-free codes are qualified)
  reason: string;
  detail?: string; // raw XML or escaped text
  role?: string;
  node?: string;
}

/** A whole SOAP fault envelope as text. Codes without a prefix are put in the envelope namespace. */
export function soapFaultXml(v: SoapVersion, f: FaultSpec): string {
  const ns = soapNs(v);
  const code = f.code.includes(':') ? f.code : `soapenv:${v === '1.2' ? toSoap12Code(f.code) : toSoap11Code(f.code)}`;
  if (v === '1.1') {
    return (
      `<soapenv:Envelope xmlns:soapenv="${ns}"><soapenv:Body><soapenv:Fault>` +
      `<faultcode>${escapeXml(code)}</faultcode><faultstring>${escapeXml(f.reason)}</faultstring>` +
      (f.role ? `<faultactor>${escapeXml(f.role)}</faultactor>` : '') +
      (f.detail !== undefined ? `<detail>${f.detail}</detail>` : '') +
      `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`
    );
  }
  return (
    `<soapenv:Envelope xmlns:soapenv="${ns}"><soapenv:Body><soapenv:Fault>` +
    `<soapenv:Code><soapenv:Value>${escapeXml(code)}</soapenv:Value></soapenv:Code>` +
    `<soapenv:Reason><soapenv:Text xml:lang="en">${escapeXml(f.reason)}</soapenv:Text></soapenv:Reason>` +
    (f.node ? `<soapenv:Node>${escapeXml(f.node)}</soapenv:Node>` : '') +
    (f.role ? `<soapenv:Role>${escapeXml(f.role)}</soapenv:Role>` : '') +
    (f.detail !== undefined ? `<soapenv:Detail>${f.detail}</soapenv:Detail>` : '') +
    `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`
  );
}

function toSoap11Code(c: string): string {
  return c === 'Receiver' ? 'Server' : c === 'Sender' ? 'Client' : c;
}
function toSoap12Code(c: string): string {
  return c === 'Server' ? 'Receiver' : c === 'Client' ? 'Sender' : c;
}

export function emptyEnvelopeXml(v: SoapVersion): string {
  return `<soapenv:Envelope xmlns:soapenv="${soapNs(v)}"><soapenv:Body/></soapenv:Envelope>`;
}
