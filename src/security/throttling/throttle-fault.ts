/**
 * The answer to a throttled call, as API Manager's ThrottleHandler (handleThrottleOut) and its
 * `_throttle_out_handler_` send it: 429 with the fault of the level that refused, in the throttling
 * namespace (`amt:fault`, http://wso2.org/apimanager/throttling), the description ending with when the
 * window frees, and that time again as `nextAccessTime`:
 *
 *   {"fault":{"code":900800,"message":"Message throttled out","description":"You have exceeded your quota .You can access API after 2026-Dec-03 09:15:00+0000 UTC","nextAccessTime":"2026-Dec-03 09:15:00+0000 UTC"}}
 *
 * Retry-After carries the seconds until then (API Manager writes the same instant as an HTTP date; both
 * forms are RFC 9110's). The body follows the request as the security faults do (gateway-fault.ts): JSON,
 * the element for `Accept: application/xml` or `text/xml`, a SOAP fault for a SOAP request.
 */
import type { MessageContext, Reply } from '../../context/message-context.js';
import { soapContentType, soapFaultXml } from '../../context/soap.js';
import { escapeText, soapVersion } from '../gateway/gateway-fault.js';

export const API_THROTTLE_NS = 'http://wso2.org/apimanager/throttling';

/** APIThrottleConstants' codes. */
export const ThrottleCodes = {
  API: 900800,
  HARD_LIMIT: 900801,
  RESOURCE: 900802,
  APPLICATION: 900803,
  SUBSCRIPTION: 900804,
  BURST: 900807,
} as const;

const THROTTLED = 'Message throttled out';
const QUOTA = 'You have exceeded your quota';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Java's SimpleDateFormat("yyyy-MMM-dd HH:mm:ssZ") in UTC, plus " UTC", as ThrottleHandler writes it. */
export function nextAccessTimeText(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${MONTHS[d.getUTCMonth()]}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}+0000 UTC`;
}

function reply(mc: MessageContext, status: number, code: number, message: string, description: string, next: string | undefined, headers: Record<string, string>): Reply {
  const soap = soapVersion(mc);
  let body: string;
  if (soap !== undefined) {
    headers['content-type'] = soapContentType(soap);
    body = soapFaultXml(soap, { code: 'Client', reason: message, detail: escapeText(description) });
  } else {
    const accept = mc.headers.get('accept');
    if (accept === 'application/xml' || accept === 'text/xml') {
      headers['content-type'] = accept;
      body =
        `<amt:fault xmlns:amt="${API_THROTTLE_NS}"><amt:code>${code}</amt:code><amt:message>${escapeText(message)}</amt:message>` +
        `<amt:description>${escapeText(description)}</amt:description>` +
        (next === undefined ? '' : `<amt:nextAccessTime>${next}</amt:nextAccessTime>`) +
        `</amt:fault>`;
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify({ fault: next === undefined ? { code, message, description } : { code, message, description, nextAccessTime: next } });
    }
  }
  return { status, headers, body: Buffer.from(body) };
}

/** 429 for a window that is full until `resetAt` (ms since the epoch). */
export function throttledReply(mc: MessageContext, code: number, resetAt: number, now = Date.now()): Reply {
  const next = nextAccessTimeText(resetAt);
  const seconds = Math.max(1, Math.ceil((resetAt - now) / 1000));
  return reply(mc, 429, code, THROTTLED, `${QUOTA} .You can access API after ${next}`, next, { 'retry-after': String(seconds) });
}

/** 503 while the counters cannot be asked and `redis_down = "deny"`: API Manager's hard-limit fault. */
export function unavailableReply(mc: MessageContext): Reply {
  return reply(mc, 503, ThrottleCodes.HARD_LIMIT, 'API Limit Reached', 'API not accepting requests', undefined, {});
}
