/**
 * `<class name="extensions/enrich-order.ts[#Export]"><property name="n" value="v"/></class>`: a mediator
 * written in TypeScript, instantiated once per deployment of the artifact that holds it. mediate(mc) returns
 * true to continue the sequence or false to stop it, or a Promise of either; a synchronous one keeps the
 * sequence synchronous. A throw, a rejection, a non-boolean or a Promise that overruns [extensions] timeout
 * is a mediation fault (MI_HDL_005 / MI_HDL_006) handled by the fault sequences like any other, with the
 * stack logged once.
 */
import type { MessageContext } from '../context/message-context.js';
import { Errors, MiError } from '../errors.js';
import type { Mediator } from '../mediators/mediator.js';
import type { MediatorDef } from '../mediators/mediator-def.js';
import { BUILTIN_CLASS_MEDIATORS } from './builtins.js';
import type { CompiledModule } from './compile.js';
import type { ClassMediator } from '../context/handler-contract.js';
import { extensionFailure } from './failure.js';
import { createExtension, type ExtensionKind } from './instantiate.js';
import { parseExtensionProperties } from './properties.js';
import { isThenable, within } from './timeout.js';

/** Micro Integrator's class mediator logger. */
export const CLASS_MEDIATOR_LOGGER = 'org.apache.synapse.mediators.ext.ClassMediator';

const KIND: ExtensionKind = { label: 'class mediator', builtins: BUILTIN_CLASS_MEDIATORS, methods: ['mediate'], all: true };

class ClassMediatorRunner implements Mediator {
  readonly tag = 'class';
  readonly contentAware: boolean;
  private readonly what: string;

  constructor(
    private readonly spec: string,
    private readonly instance: ClassMediator,
    private readonly module: CompiledModule | undefined,
  ) {
    this.contentAware = instance.contentAware === true;
    this.what = `class mediator '${spec}'`;
  }

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    let r: unknown;
    try {
      r = this.instance.mediate(mc);
    } catch (err) {
      throw this.failure(mc, err);
    }
    if (r === true || r === false) return r;
    if (isThenable(r)) {
      return within(r, mc.runtime.extensionSettings.timeoutMs).then(
        (v) => (v === true || v === false ? v : Promise.reject(this.failure(mc, new TypeError(`mediate() resolved to ${String(v)}; resolve to true or false`)))),
        (err: unknown) => Promise.reject(this.failure(mc, err)),
      );
    }
    throw this.failure(mc, new TypeError(`mediate() returned ${String(r)}; return true to continue or false to stop`));
  }

  private failure(mc: MessageContext, err: unknown): MiError {
    // an error with a code (an endpoint or expression failure inside) keeps its code and message
    if (err instanceof MiError) return err;
    const e = extensionFailure(mc, CLASS_MEDIATOR_LOGGER, this.what, this.module, err);
    const cause = err instanceof Error ? `: ${err.message}` : '';
    // the fault sequence sees what went wrong in ERROR_MESSAGE, as with a Java class mediator
    return new MiError(e.spec, `${e.message}${e.code === Errors.EXTENSION_FAILED.code ? cause : ''}`, { cause: err });
  }
}

export const classMediator: MediatorDef = {
  tag: 'class',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['name', 'description'], ['name']);
    const spec = a.req('name').trim();
    const props = parseExtensionProperties(el, ctx);
    try {
      const ext = createExtension<ClassMediator>(spec, props, KIND, ctx.extensions, ctx.file);
      return new ClassMediatorRunner(spec, ext.instance, ext.module);
    } catch (err) {
      if (err instanceof MiError) ctx.fail(el, err.spec, `class mediator: ${err.message}`);
      throw err;
    }
  },
};
