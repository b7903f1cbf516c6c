/**
 * Maps HTTP client failures (undici error codes, Node socket and TLS errors) to what Synapse's pass-through
 * transport reports for the same failure: the error code that suspendOnFailure / markForSuspension lists
 * and fault sequences match on, and the ERROR_MESSAGE / ERROR_DETAIL / ERROR_EXCEPTION texts.
 *
 * Synapse's rules (TargetErrorHandler, TargetHandler, DeliveryAgent, TimeoutHandler):
 * - a connection that cannot be made (refused, unknown host, unreachable) is 101503 and a connect timeout
 *   101508, both "Error connecting to the back end" in ERROR_MESSAGE and ERROR_DETAIL, no ERROR_EXCEPTION;
 * - once connected, a failure is "Error in Sender" with the code base + the connection's protocol state
 *   (REQUEST_READY 0, REQUEST_DONE 3, RESPONSE_BODY 5): an I/O error (reset, TLS) 101500 + state with the
 *   Java exception's text in ERROR_DETAIL and ERROR_EXCEPTION, the backend closing the connection
 *   101505 + state, a socket timeout 101504 + state, a bad HTTP response 101506 + state;
 * - the endpoint timeout (<timeout><duration>, here also the default response timeout) is 101504
 *   "Send timeout" with ERROR_DETAIL and ERROR_EXCEPTION left unset.
 * Works on `code` strings only, so it does not import undici.
 */
import { Errors, SynapseErrorCodes as C, type SynapseFaultText } from '../errors.js';
import { endpointError, EndpointError } from './endpoint.js';
import { safeUrl, scrubUrls } from './urls.js';
import { SEND_TIMEOUT_MESSAGE } from '../context/fault.js';

/** Synapse NHTTP_CONNECT_TIMEOUT: "Request to establish new connection timed out" (MI error code table). */
export const CONNECT_TIMEOUT_CODE = 101508;
/** Synapse SND_IO_ERROR: any other failure while sending. */
export const SEND_ERROR_CODE = 101500;

/** Synapse's ProtocolState ordinals, added to the base code of a failure on an open connection. */
const REQUEST_READY = 0;
const REQUEST_DONE = 3;
const RESPONSE_BODY = 5;

const CONNECTING = 'Error connecting to the back end';
const IN_SENDER = 'Error in Sender';
const CONNECT_FAULT: SynapseFaultText = { message: CONNECTING, detail: CONNECTING };
const SENDER_FAULT: SynapseFaultText = { message: IN_SENDER, detail: IN_SENDER };
/** TimeoutHandler sets the code and message only. */
const SEND_TIMEOUT_FAULT: SynapseFaultText = { message: SEND_TIMEOUT_MESSAGE };

/** Java's text for an I/O exception: ERROR_DETAIL holds exception.toString(), ERROR_EXCEPTION the exception. */
function ioFault(javaException: string): SynapseFaultText {
  return { message: IN_SENDER, detail: javaException, exception: javaException };
}
const RESET = ioFault('java.io.IOException: Connection reset by peer');
const BROKEN_PIPE = ioFault('java.io.IOException: Broken pipe');
const PLAINTEXT_PEER = ioFault('javax.net.ssl.SSLException: Unsupported or unrecognized SSL message');
const UNTRUSTED_PEER = ioFault(
  'javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target',
);
const EXPIRED_PEER = ioFault('javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed');

/** No connection could be made: Synapse fails the message before any protocol state. */
const CONNECT_FAILED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);
/** The peer's certificate chain is not trusted. */
const UNTRUSTED = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE']);

/** The Node / undici error code of a client failure (the first one of an AggregateError). */
export function clientErrorCode(err: unknown): string | undefined {
  return codeOf(err) ?? codeOf((err as { cause?: unknown } | undefined)?.cause);
}

function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: unknown[] } | undefined;
  if (e && typeof e.code === 'string') return e.code;
  // Node 20 reports a failed happy-eyeballs connect (localhost -> ::1 and 127.0.0.1) as an AggregateError
  if (e && Array.isArray(e.errors) && e.errors.length) return codeOf(e.errors[0]);
  return undefined;
}

export interface FailureContext {
  url: string;
  timeoutMs: number;
  /** responseAction="discard": mark the timeout error as a discarded response. */
  discard?: boolean;
  /** The failure came while the response body streamed (Synapse's RESPONSE_BODY state), not before. */
  inBody?: boolean;
}

/** Turns whatever the client threw into an EndpointError with Synapse's code and texts and a message without secrets. */
export function toEndpointError(err: unknown, at: FailureContext): EndpointError {
  if (err instanceof EndpointError) return err;
  const url = safeUrl(at.url);
  const code = codeOf(err) ?? codeOf((err as { cause?: unknown } | undefined)?.cause);
  // before the response head the request is written (REQUEST_DONE); after it, the body is being read
  const state = at.inBody ? RESPONSE_BODY : REQUEST_DONE;
  const failed = (synapseCode: number, message: string, fault: SynapseFaultText, spec = Errors.ENDPOINT_ERROR): EndpointError =>
    endpointError(synapseCode, message, err, { fault, spec });
  switch (code) {
    case 'ECONNREFUSED':
      return failed(C.CONNECTION_FAILED, `Connection refused to ${url}`, CONNECT_FAULT);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return failed(C.CONNECTION_FAILED, `Unknown host in ${url}`, CONNECT_FAULT);
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return failed(CONNECT_TIMEOUT_CODE, `Connect timeout to ${url}`, CONNECT_FAULT, Errors.ENDPOINT_TIMEOUT);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return endpointError(C.READ_TIMEOUT, `Read timeout: no response from ${url} within ${at.timeoutMs} ms${at.discard ? ' (response discarded)' : ''}`, err, {
        discarded: at.discard,
        fault: SEND_TIMEOUT_FAULT,
        spec: Errors.ENDPOINT_TIMEOUT,
      });
    case 'UND_ERR_BODY_TIMEOUT':
      return failed(C.READ_TIMEOUT + RESPONSE_BODY, `Read timeout: the response body from ${url} stalled for ${at.timeoutMs} ms`, SENDER_FAULT, Errors.ENDPOINT_TIMEOUT);
    case 'ECONNRESET':
      return failed(SEND_ERROR_CODE + state, `Connection reset by ${url}${at.inBody ? ' while sending the response body' : ''}`, RESET);
    case 'EPIPE':
      return failed(SEND_ERROR_CODE + state, `Connection to ${url} broken while sending the request`, BROKEN_PIPE);
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_ABORTED':
      return failed(C.CONNECTION_CLOSED + state, `Connection closed by ${url} before the response was complete`, SENDER_FAULT);
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return failed(C.PROTOCOL_VIOLATION + state, `Invalid HTTP response from ${url}`, SENDER_FAULT);
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'EPROTO':
      return failed(SEND_ERROR_CODE + REQUEST_READY, `TLS handshake with ${url} failed: the server did not answer with TLS`, PLAINTEXT_PEER);
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return failed(SEND_ERROR_CODE + REQUEST_READY, `TLS handshake with ${url} failed: the server certificate is not valid now (${code})`, EXPIRED_PEER);
  }
  if (code && UNTRUSTED.has(code)) return failed(SEND_ERROR_CODE + REQUEST_READY, `TLS handshake with ${url} failed: the server certificate is not trusted (${code})`, UNTRUSTED_PEER);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_')) {
    const text = err instanceof Error ? scrubUrls(err.message) : code;
    return failed(SEND_ERROR_CODE + REQUEST_READY, `TLS handshake with ${url} failed: ${text}`, ioFault(`javax.net.ssl.SSLHandshakeException: ${text}`));
  }
  if (code && CONNECT_FAILED.has(code)) return failed(C.CONNECTION_FAILED, `Connection failed to ${url} (${code})`, CONNECT_FAULT);
  if (code && code.startsWith('HPE_')) return failed(C.PROTOCOL_VIOLATION + state, `Invalid HTTP response from ${url} (${code})`, SENDER_FAULT);
  const detail = err instanceof Error ? scrubUrls(err.message) : String(err);
  return failed(SEND_ERROR_CODE + state, `Error sending to ${url}: ${detail}`, SENDER_FAULT);
}
