/**
 * Runs one hook (handleRequest, handleResponseOutFlow, ...) of a list of handlers, in order. Built once per
 * deployment, and only for hooks some handler implements, so an API without handlers pays nothing and a
 * synchronous handler adds no Promise: the loop stays synchronous until a hook really returns one (or a
 * content-aware handler needs the body loaded), as runList() does for mediators.
 *
 * Outcome: true carries on; false stops, with mc.reply set: the handler's own answer (mc.respond), a 403
 * fault naming the handler when it returned false without one (Micro Integrator would leave the client
 * waiting), or a 500 fault when it threw, rejected, returned a non-boolean or overran [extensions] timeout.
 * Never throws.
 */
import type { MessageContext, Reply } from '../context/message-context.js';
import { Errors, MiError } from '../errors.js';
import type { CompiledModule } from './compile.js';
import type { Extension } from './instantiate.js';
import { answerWithFault, extensionFailure } from './failure.js';
import { isThenable, within } from './timeout.js';

export type HookName =
  | 'handleRequest'
  | 'handleResponse'
  | 'handleRequestInFlow'
  | 'handleRequestOutFlow'
  | 'handleResponseInFlow'
  | 'handleResponseOutFlow';

type HookFn = (this: unknown, mc: MessageContext) => unknown;

interface Member {
  readonly spec: string;
  readonly instance: unknown;
  readonly fn: HookFn;
  readonly contentAware: boolean;
  readonly module: CompiledModule | undefined;
}

function describe(v: unknown): string {
  return v === undefined ? 'undefined' : v === null ? 'null' : `a ${typeof v}`;
}

export class HookChain {
  private constructor(
    /** e.g. "API 'OrderAPI'" or "[[synapse_handlers]]", for messages. */
    readonly owner: string,
    readonly hook: HookName,
    readonly logger: string,
    private readonly members: readonly Member[],
  ) {}

  /** The chain of the handlers that implement `hook`, or undefined when none does (no cost per request). */
  static of(owner: string, hook: HookName, logger: string, handlers: readonly Extension<object>[]): HookChain | undefined {
    const members: Member[] = [];
    for (const h of handlers) {
      const inst = h.instance as Record<string, unknown>;
      const fn = inst[hook];
      if (typeof fn === 'function') members.push({ spec: h.spec, instance: inst, fn: fn as HookFn, contentAware: inst['contentAware'] === true, module: h.module });
    }
    return members.length ? new HookChain(owner, hook, logger, members) : undefined;
  }

  get size(): number {
    return this.members.length;
  }

  run(mc: MessageContext, from = 0): boolean | Promise<boolean> {
    const list = this.members;
    for (let i = from; i < list.length; i++) {
      const m = list[i]!;
      if (m.contentAware && !mc.payload.isReady) {
        return mc.payload.load().then(
          () => this.run(mc, i),
          (err: unknown) => {
            // the body could not be read (too large, broken): the request's own error, not the handler's
            answerWithFault(mc, err);
            return false;
          },
        );
      }
      const before = mc.reply;
      let r: unknown;
      try {
        r = m.fn.call(m.instance, mc);
      } catch (err) {
        return this.failed(mc, m, err);
      }
      if (r === true) {
        if (mc.reply !== before) return false;
        continue;
      }
      if (r === false) return this.stopped(mc, m, before);
      if (isThenable(r)) return this.settle(mc, m, i, before, r);
      return this.failed(mc, m, new TypeError(`${this.hook}() returned ${describe(r)}; return true to continue or false to stop`));
    }
    return true;
  }

  private async settle(mc: MessageContext, m: Member, i: number, before: Reply | undefined, p: PromiseLike<unknown>): Promise<boolean> {
    let r: unknown;
    try {
      r = await within(p, mc.runtime.extensionSettings.timeoutMs);
    } catch (err) {
      return this.failed(mc, m, err);
    }
    if (r === true) return mc.reply !== before ? false : this.run(mc, i + 1);
    if (r === false) return this.stopped(mc, m, before);
    return this.failed(mc, m, new TypeError(`${this.hook}() resolved to ${describe(r)}; resolve to true to continue or false to stop`));
  }

  private what(m: Member): string {
    return `handler '${m.spec}' (${this.hook}) of ${this.owner}`;
  }

  private stopped(mc: MessageContext, m: Member, before: Reply | undefined): false {
    if (mc.reply !== before) return false; // it answered itself
    answerWithFault(mc, new MiError(Errors.HANDLER_DENIED, `${mc.isResponse ? 'the response was stopped' : 'the request was refused'} by handler '${m.spec}'`));
    return false;
  }

  private failed(mc: MessageContext, m: Member, err: unknown): false {
    answerWithFault(mc, extensionFailure(mc, this.logger, this.what(m), m.module, err));
    return false;
  }
}
