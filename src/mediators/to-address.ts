/** The implicit endpoint of send/call without one: the message's To, when it is an http(s) URL. */
import type { MessageContext } from '../context/message-context.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import { defaultEndpoint } from '../endpoints/default.js';

export function sendToAddress(mc: MessageContext): Endpoint | undefined {
  return /^https?:\/\//i.test(mc.to ?? '') ? defaultEndpoint() : undefined;
}
