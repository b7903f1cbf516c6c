/**
 * Maps HTTP client failures (undici error codes, Node socket errors) to the Synapse transport error codes
 * that suspendOnFailure / markForSuspension lists and fault sequences match on. Works on `code` strings
 * only, so it does not import undici.
 */
import { SynapseErrorCodes as C } from '../errors.js';
import { endpointError, EndpointError } from './endpoint.js';
import { safeUrl, scrubUrls } from './urls.js';

/** Synapse NHTTP_CONNECT_TIMEOUT: "Request to establish new connection timed out" (MI error code table). */
export const CONNECT_TIMEOUT_CODE = 101508;
/** Synapse SND_IO_ERROR_SENDING: any other failure while sending. */
export const SEND_ERROR_CODE = 101500;

const CONNECT_FAILED = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EPIPE', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

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
}

/** Turns whatever the client threw into an EndpointError with a Synapse code and a message without secrets. */
export function toEndpointError(err: unknown, at: FailureContext): EndpointError {
  if (err instanceof EndpointError) return err;
  const url = safeUrl(at.url);
  const code = codeOf(err) ?? codeOf((err as { cause?: unknown } | undefined)?.cause);
  switch (code) {
    case 'ECONNREFUSED':
      return endpointError(C.CONNECTION_FAILED, `Connection refused to ${url}`, err);
    case 'ECONNRESET':
      return endpointError(C.CONNECTION_FAILED, `Connection reset by ${url}`, err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return endpointError(C.CONNECTION_FAILED, `Unknown host in ${url}`, err);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return endpointError(C.READ_TIMEOUT, `Read timeout: no response from ${url} within ${at.timeoutMs} ms${at.discard ? ' (response discarded)' : ''}`, err, { discarded: at.discard });
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return endpointError(CONNECT_TIMEOUT_CODE, `Connect timeout to ${url}`, err);
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_ABORTED':
      return endpointError(C.CONNECTION_CLOSED, `Connection closed by ${url} before the response was complete`, err);
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return endpointError(C.PROTOCOL_VIOLATION, `Invalid HTTP response from ${url}`, err);
  }
  if (code && CONNECT_FAILED.has(code)) return endpointError(C.CONNECTION_FAILED, `Connection failed to ${url} (${code})`, err);
  if (code && code.startsWith('HPE_')) return endpointError(C.PROTOCOL_VIOLATION, `Invalid HTTP response from ${url} (${code})`, err);
  const detail = err instanceof Error ? scrubUrls(err.message) : String(err);
  return endpointError(SEND_ERROR_CODE, `Error sending to ${url}: ${detail}`, err);
}
