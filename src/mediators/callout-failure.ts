/**
 * What a failed callout leaves in ERROR_* (Synapse's BlockingMsgSender.setErrorDetails): the callout's blocking
 * Axis2 client raises an AxisFault, so ERROR_CODE is 401002 (BLOCKING_SENDER_OPERATION_FAILED) unless the
 * fault code is a number, ERROR_MESSAGE the fault's message (the Java exception's text for a transport
 * failure, the faultstring of a SOAP fault), ERROR_DETAIL the fault detail's text or, without one, the
 * AxisFault (Micro Integrator prints its whole stack trace; the first line is kept here).
 */
import { STATUS_CODES } from 'node:http';
import { EndpointError, Errors, SynapseErrorCodes } from '../errors.js';
import { clientErrorCode } from '../endpoints/client-errors.js';
import { safeUrl } from '../endpoints/urls.js';

const AXIS_FAULT = 'org.apache.axis2.AxisFault';

/** A callout failure with the fault texts Micro Integrator sets; `reason` is this runtime's own wording for logs and its default reply. */
export function calloutError(message: string, detail: string | undefined, reason: string, cause?: unknown, faultCode?: string): EndpointError {
  const numeric = faultCode !== undefined && /^-?\d+$/.test(faultCode.trim()) ? Number(faultCode.trim()) : undefined;
  const code = numeric !== undefined && Number.isSafeInteger(numeric) ? numeric : SynapseErrorCodes.BLOCKING_SENDER_OPERATION_FAILED;
  const axisFault = `${AXIS_FAULT}: ${message}`;
  return new EndpointError(Errors.CALLOUT_FAILED, code, reason, { cause, fault: { message, detail: detail ?? axisFault, exception: axisFault } });
}

/**
 * The text of the Java exception the blocking client would have thrown for the same transport failure
 * (commons-httpclient on Java 11+): ConnectException, UnknownHostException, SocketTimeoutException, ...
 */
function javaText(err: EndpointError, url: string): string {
  const code = clientErrorCode(err.cause);
  switch (code) {
    case 'ECONNREFUSED':
      return 'Connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return hostOf(url);
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'connect timed out';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'Read timed out';
    case 'ECONNRESET':
      return 'Connection reset';
    case 'EHOSTUNREACH':
      return 'No route to host';
    case 'ENETUNREACH':
      return 'Network is unreachable';
    case 'EPIPE':
      return 'Broken pipe';
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_ABORTED':
      return 'The server closed the connection before sending a response';
  }
  return err.fault.message;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/**
 * A transport failure from the endpoint (connection refused, timeout, ...) as the callout reports it. A
 * suspended endpoint keeps the endpoint's own 303001, as its send refuses before any client runs.
 */
export function transportFailure(err: unknown, url: string): unknown {
  if (!(err instanceof EndpointError) || err.synapseCode === SynapseErrorCodes.ENDPOINT_SUSPENDED) return err;
  const text = javaText(err, url);
  return calloutError(text, undefined, `Callout to ${safeUrl(url)} failed: ${text}`, err);
}

/** Axis2's HTTPSender for a status it does not read as a response: "Transport error: 404 Error: Not Found". */
export function statusFailure(status: number, url: string): EndpointError {
  const text = `Transport error: ${status} Error: ${STATUS_CODES[status] ?? 'Unknown'}`;
  return calloutError(text, undefined, `Callout to ${safeUrl(url)} failed: ${text}`);
}

/** A SOAP fault answered with FORCE_ERROR_ON_SOAP_FAULT=true: an AxisFault made from the fault. */
export function soapFaultFailure(fault: Element, url: string): EndpointError {
  const part = (names: string[]): Element | undefined => {
    for (let n = fault.firstChild; n; n = n.nextSibling) if (n.nodeType === 1 && names.includes((n as Element).localName)) return n as Element;
    return undefined;
  };
  // SOAP 1.1 faultcode/faultstring/detail, SOAP 1.2 Code/Value, Reason/Text, Detail
  const codeEl = part(['faultcode', 'Code']);
  const valueEl = codeEl && codeEl.localName === 'Code' ? childNamed(codeEl, 'Value') : codeEl;
  const reasonEl = part(['faultstring', 'Reason']);
  const textEl = reasonEl && reasonEl.localName === 'Reason' ? childNamed(reasonEl, 'Text') : reasonEl;
  const detailEl = part(['detail', 'Detail']);
  const qname = (valueEl?.textContent ?? '').trim();
  const local = qname.includes(':') ? qname.slice(qname.indexOf(':') + 1) : qname;
  const message = (textEl?.textContent ?? '').trim();
  const detail = detailEl ? directText(detailEl) : '';
  return calloutError(message, detail, `Callout to ${safeUrl(url)} answered with a SOAP fault: ${message}`, undefined, local);
}

function childNamed(el: Element, localName: string): Element | undefined {
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1 && (n as Element).localName === localName) return n as Element;
  return undefined;
}

/** OMElement.getText(): the element's own text nodes, not its descendants'. */
function directText(el: Element): string {
  let t = '';
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3 || n.nodeType === 4) t += n.nodeValue ?? '';
  return t;
}
