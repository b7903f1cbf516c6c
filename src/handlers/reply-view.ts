/**
 * Response hooks on a reply that is already built (an in-flow `respond`, a fault reply, any reply for the
 * global response-out hook). While they run, the reply's headers are the message's transport headers and
 * its status is the axis2 HTTP_SC property, so `mc.setProperty('X-Trace', v, 'transport')` and
 * `mc.setProperty('HTTP_SC', 503, 'axis2')` change the reply; `mc.respond()` replaces it. The body is left
 * as built: it may be a stream that can be sent only once.
 */
import type { Readable } from 'node:stream';
import { releaseStream, type MessageContext } from '../context/message-context.js';
import type { HeaderValue, TransportHeaders } from '../context/transport-headers.js';
import type { HookChain } from './hook-chain.js';

function statusOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number.parseInt(v, 10) : NaN;
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

export function runOnReply(mc: MessageContext, chain: HookChain): void | Promise<void> {
  const reply = mc.reply!;
  const saved = { headers: mc.headers, isResponse: mc.isResponse, hadSc: mc.axis2.has('HTTP_SC'), sc: mc.axis2.get('HTTP_SC') };
  const view: TransportHeaders = new Map();
  for (const k of Object.keys(reply.headers)) if (k !== 'content-length') view.set(k, reply.headers[k]!);
  mc.headers = view;
  mc.isResponse = true;
  mc.axis2.set('HTTP_SC', reply.status);
  const done = (): void => {
    if (mc.reply === reply) {
      const headers: Record<string, HeaderValue> = {};
      for (const [k, v] of view) headers[k] = v;
      const length = reply.headers['content-length'];
      if (length !== undefined) headers['content-length'] = length;
      reply.headers = headers;
      reply.status = statusOf(mc.axis2.get('HTTP_SC')) ?? reply.status;
    } else if (reply.body !== undefined && !Buffer.isBuffer(reply.body)) {
      releaseStream(reply.body as Readable); // replaced: the old body is never sent
    }
    mc.headers = saved.headers;
    mc.isResponse = saved.isResponse;
    if (saved.hadSc) mc.axis2.set('HTTP_SC', saved.sc);
    else mc.axis2.delete('HTTP_SC');
  };
  const r = chain.run(mc);
  if (typeof r === 'boolean') return done();
  return r.then(done);
}

