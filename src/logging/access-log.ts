/** One access log line, in the combined log format Micro Integrator's http_access.log uses, plus the time taken. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatJavaDate } from './java-date-format.js';

export function accessLine(req: IncomingMessage, res: ServerResponse, bytes: number, startedNs: bigint): string {
  const ms = Number(process.hrtime.bigint() - startedNs) / 1e6;
  const date = formatJavaDate(new Date(), 'dd/MMM/yyyy:HH:mm:ss Z');
  const q = (v: string | undefined): string => (v ? v.replace(/"/g, '\\"') : '-');
  return (
    `${req.socket.remoteAddress ?? '-'} - - [${date}] "${req.method} ${(req.url ?? '/').split('?')[0]} HTTP/${req.httpVersion}" ` +
    `${res.statusCode} ${bytes} "${q(req.headers.referer)}" "${q(req.headers['user-agent'])}" ${ms.toFixed(1)}ms`
  );
}
