/**
 * <script language="js">: JavaScript with Micro Integrator's `mc` object (Synapse ScriptMediator). Inline
 * (the element's text, usually CDATA) or keyed (`key` of a local entry, static or {dynamic}, `function`
 * default `mediate`, `<include key>` entries evaluated after the script, as Synapse does). The script's
 * result false stops the flow, anything else continues. js, nashornJs, rhinoJs and graalJs all run on V8.
 */
import type { MessageContext } from '../../context/message-context.js';
import { Errors, MiError } from '../../errors.js';
import type { DynamicValue } from '../../expr/expression.js';
import { childElements, textOf } from '../../xml/dom.js';
import type { BindProblem } from '../../artifacts/parse-context.js';
import type { Mediator } from '../mediator.js';
import type { MediatorDef } from '../mediator-def.js';
import { ScriptSandbox, ScriptTimeoutError } from './script-sandbox.js';
import { scriptHost } from './script-host.js';
import { scriptTimeoutMs } from './script-timeout.js';

const LANGUAGES = new Set(['js', 'nashornJs', 'rhinoJs', 'graalJs']);
const DEFAULT_FUNCTION = 'mediate';

/** Synapse's message for a script that failed (ScriptMediator.mediate). */
function failureText(language: string, key: string | undefined, fn: string | undefined): string {
  return `The script engine returned an error executing the ${key === undefined ? 'inlined ' : 'external '}${language} script${key !== undefined ? ' : ' + key : ''}${fn !== undefined ? ' function ' + fn : ''}`;
}

function runSandbox(sandbox: ScriptSandbox, mc: MessageContext, failure: string): boolean {
  let value: unknown;
  try {
    value = sandbox.run(scriptHost(mc), scriptTimeoutMs(mc.runtime.config)).value;
  } catch (err) {
    if (err instanceof ScriptTimeoutError) throw new MiError(Errors.SCRIPT_TIMEOUT, `${failure}: ${err.message}`, { cause: err });
    throw new MiError(Errors.SCRIPT_ERROR, failure, { cause: err });
  }
  return value !== false;
}

class InlineScript implements Mediator {
  readonly tag = 'script';
  readonly contentAware = true;
  constructor(
    private readonly sandbox: ScriptSandbox,
    private readonly failure: string,
  ) {}
  mediate(mc: MessageContext): boolean {
    return runSandbox(this.sandbox, mc, this.failure);
  }
}

/** A keyed script: compiled when linked (static key) or on first use of each key (dynamic key). */
class KeyedScript implements Mediator {
  readonly tag = 'script';
  readonly contentAware = true;
  /** Texts of the script and includes, by key, as the linker hands them over. */
  readonly texts = new Map<string, string>();
  private linked: { source: string; sandbox: ScriptSandbox } | undefined;
  private readonly byKey = new Map<string, { source: string; sandbox: ScriptSandbox }>();

  constructor(
    private readonly key: DynamicValue,
    private readonly staticKey: string | undefined,
    private readonly includes: readonly string[],
    private readonly fn: string,
    private readonly language: string,
    private readonly file: string,
  ) {}

  private build(scriptKey: string, script: string): { source: string; sandbox: ScriptSandbox } {
    const sources = [script, ...this.includes.map((k) => this.texts.get(k) ?? '')];
    const source = sources.join('\u0000');
    return { source, sandbox: new ScriptSandbox({ sources, fn: this.fn }, `${this.file} (script ${scriptKey})`) };
  }

  /** Called by the linker for the script entry and each include: compiles once every text is known. */
  bind(key: string, text: string): BindProblem[] {
    this.texts.set(key, text);
    if (this.staticKey === undefined) return [];
    const script = this.texts.get(this.staticKey);
    if (script === undefined || this.includes.some((k) => !this.texts.has(k))) return [];
    const source = [script, ...this.includes.map((k) => this.texts.get(k)!)].join('\u0000');
    if (this.linked?.source === source) return [];
    try {
      this.linked = this.build(this.staticKey, script);
      return [];
    } catch (err) {
      return [{ spec: Errors.SCRIPT_COMPILE, message: `script '${this.staticKey}' does not compile: ${(err as Error).message}` }];
    }
  }

  mediate(mc: MessageContext): boolean {
    const key = this.staticKey ?? this.key.resolve(mc);
    const failure = failureText(this.language, key, this.fn);
    let compiled = this.staticKey !== undefined ? this.linked : undefined;
    if (compiled === undefined) {
      const entry = mc.runtime.localEntry(key);
      if (!entry) throw new MiError(Errors.SCRIPT_ERROR, failure, { cause: new Error(`no local entry '${key}' holds the script`) });
      compiled = this.byKey.get(key);
      const source = [entry.text, ...this.includes.map((k) => mc.runtime.localEntryText(k) ?? '')].join('\u0000');
      if (compiled?.source !== source) {
        for (const k of this.includes) this.texts.set(k, mc.runtime.localEntryText(k) ?? '');
        try {
          compiled = this.build(key, entry.text);
        } catch (err) {
          throw new MiError(Errors.SCRIPT_ERROR, failure, { cause: err });
        }
        this.byKey.set(key, compiled);
      }
    }
    return runSandbox(compiled.sandbox, mc, failure);
  }
}

export const script: MediatorDef = {
  tag: 'script',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['language', 'key', 'function', 'description'], ['language']);
    const language = a.req('language');
    if (!LANGUAGES.has(language)) {
      ctx.fail(el, Errors.SCRIPT_COMPILE, `script language '${language}' is not supported; this runtime runs JavaScript (language="js", "nashornJs", "rhinoJs" or "graalJs")`);
    }
    const keyText = a.get('key');
    const fnAttr = a.get('function');
    if (keyText === undefined) {
      if (fnAttr !== undefined) ctx.fail(el, Errors.BAD_VALUE, "Cannot use 'function' attribute without 'key' attribute for a script mediator");
      for (const k of childElements(el)) ctx.fail(k, Errors.UNKNOWN_ELEMENT, `<${k.localName}> is not allowed in an inline script (use <include> with a keyed script)`);
      const code = textOf(el);
      try {
        return new InlineScript(new ScriptSandbox({ inline: code }, `${ctx.file} (inline script)`), failureText(language, undefined, undefined));
      } catch (err) {
        return ctx.fail(el, Errors.SCRIPT_COMPILE, `the inline script does not compile: ${(err as Error).message}`);
      }
    }
    const includes: string[] = [];
    const includeEls: Element[] = [];
    for (const k of childElements(el)) {
      if (k.localName !== 'include') ctx.fail(k, Errors.UNKNOWN_ELEMENT, `<${k.localName}> is not allowed in a script mediator (only <include key>)`);
      const ik = ctx.attrs(k, ['key'], ['key']).req('key');
      if (ik.startsWith('{')) ctx.fail(k, Errors.UNSUPPORTED, `<include key="${ik}">: a dynamic include key is not supported; name the local entry`);
      includes.push(ik);
      includeEls.push(k);
    }
    const fn = fnAttr ?? DEFAULT_FUNCTION;
    if (!/^[A-Za-z_$][\w$]*$/.test(fn)) ctx.fail(el, Errors.BAD_VALUE, `function '${fn}' is not a JavaScript function name`);
    const key = ctx.dynamic(el, keyText);
    const m = new KeyedScript(key, key.isStatic ? keyText : undefined, includes, fn, language, ctx.file);
    const binder = (k: string) => (target: unknown) => ({ problems: m.bind(k, (target as { text: string }).text), refs: [] });
    if (key.isStatic) ctx.ref(el, 'localEntry', keyText, binder(keyText));
    includes.forEach((k, i) => ctx.ref(includeEls[i]!, 'localEntry', k, binder(k)));
    return m;
  },
};
