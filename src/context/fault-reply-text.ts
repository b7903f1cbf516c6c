/**
 * The message the runtime's own fault reply (SOAP fault reason, JSON `message`) carries: ERROR_MESSAGE as
 * the fault sequences left it, without the text of an exception thrown by a class mediator (that text is in
 * the log under the correlation id, and the fault sequences still see it in ERROR_MESSAGE), and with every
 * known secret masked. A fault sequence that builds its own reply decides for itself what it shows.
 */
import type { MessageContext } from './message-context.js';
import { EndpointError, Errors, MiError } from '../errors.js';
import { maskReply } from '../logging/reply-masker.js';

export function faultReplyText(mc: MessageContext, err: unknown): string {
  const set = mc.props.get('ERROR_MESSAGE');
  // an endpoint failure whose Synapse text ("Error connecting to the back end") nobody changed: the reply
  // says what failed where (the endpoint's address, masked below)
  const own = err instanceof EndpointError && set === err.fault.message ? err.message : undefined;
  const message = String(own ?? set ?? (err as Error | undefined)?.message ?? 'mediation failed');
  return maskReply(mc.runtime.logSecrets, withoutExtensionText(message, err));
}

/** "class mediator 'x' failed: <the exception's message>" becomes "class mediator 'x' failed". */
function withoutExtensionText(message: string, err: unknown): string {
  if (!(err instanceof MiError) || err.code !== Errors.EXTENSION_FAILED.code || message !== err.message) return message;
  const cause = err.cause;
  if (cause === undefined || cause instanceof MiError) return message;
  const text = cause instanceof Error ? cause.message : String(cause);
  if (text === '') return message;
  const suffix = `: ${text}`;
  if (message.endsWith(suffix)) return message.slice(0, -suffix.length);
  return message.split(text).join('*****');
}
