/**
 * get-property() and the $ctx/$axis2/$trp/$url variables: one lookup per scope, shared by the XPath engine
 * and by the fast paths that answer simple property expressions without touching the body.
 */
import type { MessageContext } from '../context/message-context.js';
import { JavaFloating } from '../context/java-number.js';
import { addressingField } from '../context/addressing.js';
import { formatJavaDate } from '../logging/java-date-format.js';
import { nodeString } from './node-string.js';
import { isJsonNumber, stringifyJson } from '../json/json-number.js';

export const READ_SCOPES = new Set(['default', 'axis2', 'axis2-client', 'transport', 'operation', 'registry', 'func', 'system', 'env', 'file', 'trace']);

/**
 * Value as a string, the way Synapse prints property values: an XML (OM) property as the XPath string of its
 * element (its text, or the element when it has none), numbers as Java prints them (2.0 for a DOUBLE 2, a
 * LONG with all its digits), JSON as JSON text.
 */
export function propertyString(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v instanceof JavaFloating || isJsonNumber(v)) return String(v);
  if (typeof v === 'object' && 'nodeType' in v) return nodeString(v as Node);
  if (Array.isArray(v) && v.every((x) => x && typeof x === 'object' && 'nodeType' in x)) return v.map(propertyString).join('');
  try {
    return stringifyJson(v);
  } catch {
    return String(v);
  }
}

/** MESSAGE_FORMAT as Synapse reports it. */
function messageFormat(mc: MessageContext): string {
  if (mc.inbound.method === 'GET' && !mc.isResponse) return 'get';
  const k = mc.payload.kind;
  return k === 'soap11' ? 'soap11' : k === 'soap12' ? 'soap12' : 'pox';
}

/** Default-scope lookup including the special keys; unknown keys fall back to a local entry. */
export function defaultScopeProperty(mc: MessageContext, name: string): unknown {
  const v = mc.props.get(name);
  if (v !== undefined) return v;
  switch (name) {
    case 'To':
      return mc.to;
    case 'Action':
    case 'SOAPAction':
      return mc.soapAction;
    case 'MessageID':
      return (mc.messageId ??= 'urn:uuid:' + mc.correlationId);
    case 'MESSAGE_FORMAT':
      return messageFormat(mc);
    case 'SYSTEM_DATE':
      return formatJavaDate(new Date(), "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    case 'SYSTEM_TIME':
      return String(Date.now());
    case 'FAULT':
      return mc.props.get('ERROR_CODE') !== undefined ? 'true' : undefined;
    case 'OperationName':
      return 'mediate';
    case 'OperationNamespace':
      return 'http://ws.apache.org/ns/synapse';
    case 'CLIENT_CERT_SUBJECT':
    case 'CLIENT_CERT_ISSUER':
    case 'CLIENT_CERT_SERIAL':
    case 'CLIENT_CERT_FINGERPRINT_SHA256':
    case 'CLIENT_CERT_PEM':
      return clientCertProperty(mc, name);
    case 'From':
    case 'ReplyTo':
    case 'FaultTo':
    case 'RelatesTo':
      return addressingField(mc, name);
    default:
      return mc.runtime.localEntryText(name);
  }
}

/** get-property(scope, name) */
export function scopedProperty(mc: MessageContext, scope: string, name: string): unknown {
  switch (scope) {
    case 'default':
      return defaultScopeProperty(mc, name);
    case 'transport':
      return mc.getProperty(name, 'transport');
    case 'axis2':
      return axis2Property(mc, name);
    case 'axis2-client':
      return mc.getProperty(name, 'axis2-client');
    case 'operation':
      return mc.getProperty(name, 'operation');
    case 'func':
      return mc.funcParams?.get(name);
    case 'system':
    case 'env':
      return process.env[name];
    case 'registry':
      return mc.runtime.localEntryText(name);
    case 'file':
      return mc.runtime.config.fileProperty(name);
    default:
      return mc.props.get(name);
  }
}

export function axis2Property(mc: MessageContext, name: string): unknown {
  const v = mc.axis2.get(name);
  if (v !== undefined) return v;
  if (name === 'HTTP_METHOD') return mc.inbound.method;
  if (name === 'REST_URL_POSTFIX') return undefined;
  if (name === 'ContentType' || name === 'messageType') return mc.payload.contentType?.split(';')[0];
  return undefined;
}

/** $url:name — a query parameter of the request URL, name case-insensitive, URL-decoded. */
export function urlParam(mc: MessageContext, name: string): string | undefined {
  const q = mc.inbound.queryString;
  if (!q) return undefined;
  const lower = name.toLowerCase();
  for (const part of q.split('&')) {
    const eq = part.indexOf('=');
    const k = decodeQuery(eq < 0 ? part : part.slice(0, eq));
    if (k.toLowerCase() === lower) return eq < 0 ? '' : decodeQuery(part.slice(eq + 1));
  }
  return undefined;
}

export function decodeQuery(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** get-property(...) with 1 or 2 arguments, as Synapse resolves them. */
export function getProperty(mc: MessageContext, a: string, b?: string): unknown {
  if (b === undefined) return defaultScopeProperty(mc, a);
  if (READ_SCOPES.has(a)) return scopedProperty(mc, a, b);
  // get-property('SYSTEM_DATE', 'yyyy-MM-dd') and any other (key, dateFormat) pair
  if (a === 'SYSTEM_DATE') return formatJavaDate(new Date(), b);
  return defaultScopeProperty(mc, a);
}

/** A distinguished name as Java prints it (RFC 2253 order: CN first), from node's one-RDN-per-line form. */
function distinguishedName(dn: string): string {
  return dn.split('\n').reverse().join(',');
}

/** The verified client certificate (mutual TLS or a trusted proxy's header), read only when asked for. */
function clientCertProperty(mc: MessageContext, name: string): string | undefined {
  const c = mc.inbound.clientCertificate;
  if (!c) return undefined;
  switch (name) {
    case 'CLIENT_CERT_SUBJECT':
      return distinguishedName(c.subject);
    case 'CLIENT_CERT_ISSUER':
      return distinguishedName(c.issuer);
    case 'CLIENT_CERT_SERIAL':
      return c.serialNumber;
    case 'CLIENT_CERT_FINGERPRINT_SHA256':
      return c.fingerprint256;
    default:
      return c.toString();
  }
}
