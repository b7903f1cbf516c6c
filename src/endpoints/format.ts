/**
 * The `format` attribute of address and default endpoints: the message leaves in that format whatever it
 * came in as (soap11/soap12 envelope, pox/rest as plain XML, json), by setting axis2 messageType as Synapse
 * does. A message already in the format is left alone, so pass-through bytes stay untouched.
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { MessageContext } from '../context/message-context.js';
import { mediaType } from '../context/payload.js';
import { Errors } from '../errors.js';

export type MessageFormat = 'soap11' | 'soap12' | 'pox' | 'get' | 'rest' | 'json';

const CONTENT_TYPES: Record<Exclude<MessageFormat, 'get'>, string> = {
  soap11: 'text/xml',
  soap12: 'application/soap+xml',
  pox: 'application/xml',
  rest: 'application/xml',
  json: 'application/json',
};

export function parseFormat(el: Element, ctx: ParseContext, value: string | undefined): MessageFormat | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'get' || v in CONTENT_TYPES) return v as MessageFormat;
  return ctx.fail(el, Errors.BAD_VALUE, `format must be one of soap11, soap12, pox, get, rest, json, not '${value}'`);
}

/** Sets messageType when the message is not already in `format`; 'get' changes the method, not the body. */
export function applyFormat(mc: MessageContext, format: MessageFormat): void {
  if (format === 'get') return;
  const want = CONTENT_TYPES[format];
  const explicit = mc.axis2.get('messageType');
  const current = mediaType(typeof explicit === 'string' ? explicit : mc.payload.isUntouched ? mc.payload.contentType : undefined);
  if (current !== want) mc.setProperty('messageType', want, 'axis2');
}
