/**
 * What the client and the log get when an extension misbehaves. The client gets the runtime's fault reply
 * (SOAP or JSON, as the request) with a code and the correlation id, never the error text or stack; the log
 * gets the stack once, mapped back to the user's TypeScript lines.
 */
import type { MessageContext } from '../context/message-context.js';
import { releaseStream } from '../context/message-context.js';
import { kindOfContentType } from '../context/payload.js';
import { defaultFaultReply, setErrorProperties } from '../context/fault.js';
import { Errors, MiError } from '../errors.js';
import type { CompiledModule } from './compile.js';
import { mapStack } from './stack-trace.js';
import { HookTimeout } from './timeout.js';
import { maskRequestSecrets } from '../logging/request-secrets.js';

/** Turns what a hook threw (or its timeout) into the error the client sees, logging it once. */
export function extensionFailure(mc: MessageContext, logger: string, what: string, module: CompiledModule | undefined, err: unknown): MiError {
  const log = mc.runtime.logs.get(logger);
  if (err instanceof HookTimeout) {
    log.log('ERROR', `${what} did not settle within ${err.ms} ms and is treated as failed (correlation id ${mc.correlationId})`, undefined, mc.correlationId);
    return new MiError(Errors.EXTENSION_TIMEOUT, `${what} did not finish in time`);
  }
  const e = err instanceof Error ? err : new Error(`non-Error thrown: ${String(err)}`);
  const stack = module ? mapStack(e.stack ?? String(e), module.file, module.sourceMap) : (e.stack ?? String(e));
  log.log('ERROR', `${what} failed (correlation id ${mc.correlationId}): ${maskRequestSecrets(mc.inbound, stack)}`, undefined, mc.correlationId);
  return new MiError(Errors.EXTENSION_FAILED, `${what} failed`, { cause: err });
}

/** Answers the client with the runtime's fault reply for `err` (the status comes from its code). */
export function answerWithFault(mc: MessageContext, err: unknown): void {
  // the fault matches the request (SOAP or JSON): note its kind before the unread body is let go
  mc.requestKind ??= mc.payload.isReady ? mc.payload.kind : kindOfContentType(mc.payload.contentType);
  releaseStream(mc.payload.takeStream());
  setErrorProperties(mc, err);
  defaultFaultReply(mc, err);
}
