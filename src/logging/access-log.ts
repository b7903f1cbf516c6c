/**
 * The access log: one line per request, in the combined log format Micro Integrator's http_access.log uses,
 * plus the time taken. Everything the line needs from the request is read when the request arrives: a
 * pass-through reply detaches the socket before the response closes, so `req.socket` is gone by then. The
 * line is written on the response's 'close', which comes exactly once for every response (sent, failed or
 * abandoned by the client), so no request is logged twice or missed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatJavaDate } from './java-date-format.js';
import { escapeControlCharacters } from './control-characters.js';
import type { Logger } from './logger.js';

/** Status logged when the client went away before a reply was sent (as nginx does). */
export const CLIENT_CLOSED_REQUEST = 499;

/** Counts the body bytes of one response as they are handed to the socket. */
export interface AccessTally {
  bytes: number;
}

interface RequestLine {
  client: string;
  method: string;
  path: string;
  version: string;
  referer: string | undefined;
  userAgent: string | undefined;
  startedNs: bigint;
}

const quoted = (v: string | undefined): string => `"${v ? escapeControlCharacters(v).replace(/"/g, '\\"') : '-'}"`;

export function accessLine(r: RequestLine, status: number, bytes: number, nowNs: bigint, now: Date): string {
  const ms = Number(nowNs - r.startedNs) / 1e6;
  const date = formatJavaDate(now, 'dd/MMM/yyyy:HH:mm:ss Z');
  return (
    `${r.client} - - [${date}] "${escapeControlCharacters(`${r.method} ${r.path} HTTP/${r.version}`)}" ` +
    `${status} ${bytes} ${quoted(r.referer)} ${quoted(r.userAgent)} ${ms.toFixed(1)}ms`
  );
}

/** Starts the access-log entry of a request; the line is written when its response closes. */
export function trackAccess(req: IncomingMessage, res: ServerResponse, log: Logger): AccessTally {
  const line: RequestLine = {
    client: req.socket?.remoteAddress ?? '-',
    method: req.method ?? '-',
    path: (req.url ?? '/').split('?')[0]!,
    version: req.httpVersion,
    referer: req.headers.referer,
    userAgent: req.headers['user-agent'],
    startedNs: process.hrtime.bigint(),
  };
  const tally: AccessTally = { bytes: 0 };
  res.once('close', () => {
    const status = res.headersSent ? res.statusCode : CLIENT_CLOSED_REQUEST;
    log.info(accessLine(line, status, tally.bytes, process.hrtime.bigint(), new Date()));
  });
  return tally;
}
