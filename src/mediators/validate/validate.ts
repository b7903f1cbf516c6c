/**
 * <validate [source] [cache-schema]>: Synapse's ValidateMediator for XML. <schema key> (one or more, static
 * keys compiled when the artifact deploys, {dynamic} keys on first use), <resource location key> for the
 * documents the schemas import, <feature> (Xerces switches, accepted), <on-fail> run when the message is
 * not valid, with ERROR_MESSAGE holding every problem, each followed by a newline, as Synapse joins them.
 */
import type { MessageContext } from '../../context/message-context.js';
import { Errors, MiError } from '../../errors.js';
import type { DynamicValue, Expression } from '../../expr/expression.js';
import { childElements, serializeXml } from '../../xml/dom.js';
import type { BindProblem } from '../../artifacts/parse-context.js';
import { runList, type Mediator } from '../mediator.js';
import type { MediatorDef } from '../mediator-def.js';
import { resourceTexts, sourceNode } from '../source-node.js';
import { compileSchema, XsdCompileError, type CompiledSchema } from './xsd-engine.js';

/** Synapse's name of the default source (SourceXPathSupport). */
const DEFAULT_SOURCE = 's11:Body/child::*[position()=1] | s12:Body/child::*[position()=1]';

class ValidateMediator implements Mediator {
  readonly tag = 'validate';
  readonly contentAware = true;
  private readonly texts = new Map<string, string>();
  private linked: CompiledSchema | undefined;
  private readonly byKeys = new Map<string, { fingerprint: string; schema: CompiledSchema }>();

  constructor(
    private readonly keys: readonly DynamicValue[],
    private readonly keyTexts: readonly string[],
    private readonly source: Expression | undefined,
    /** location -> local entry key */
    private readonly resources: ReadonlyMap<string, string>,
    private readonly onFail: readonly Mediator[],
  ) {}

  private get allStatic(): boolean {
    return this.keys.every((k) => k.isStatic);
  }

  /** Called by the linker for each schema and resource entry: compiles once every text is known. */
  bind(key: string, text: string): BindProblem[] {
    this.texts.set(key, text);
    if (!this.allStatic) return [];
    const needed = [...this.keyTexts, ...this.resources.values()];
    if (needed.some((k) => !this.texts.has(k))) return [];
    try {
      this.linked = compileSchema({ schemas: this.keyTexts.map((k) => this.texts.get(k)!), resources: resourceTexts(this.resources, (k) => this.texts.get(k)) });
      return [];
    } catch (err) {
      if (err instanceof XsdCompileError) return [{ spec: Errors.XSD_COMPILE, message: `schema ${this.keyTexts.map((k) => `'${k}'`).join(', ')} is not valid: ${err.message}` }];
      throw err;
    }
  }

  private schemaFor(mc: MessageContext): CompiledSchema {
    if (this.linked) return this.linked;
    const keys = this.keys.map((k) => k.resolve(mc));
    const schemas: string[] = [];
    for (const k of keys) {
      const t = mc.runtime.localEntryText(k);
      if (t === undefined) throw new MiError(Errors.VALIDATE_ERROR, `No Schema is available with the key  : ${k}`);
      schemas.push(t);
    }
    const resources = resourceTexts(this.resources, (k) => mc.runtime.localEntryText(k));
    const id = keys.join('\u0000');
    const fingerprint = schemas.join('\u0000') + '\u0001' + [...resources.values()].join('\u0000');
    const hit = this.byKeys.get(id);
    if (hit?.fingerprint === fingerprint) return hit.schema;
    try {
      const schema = compileSchema({ schemas, resources });
      this.byKeys.set(id, { fingerprint, schema });
      return schema;
    } catch (err) {
      throw new MiError(Errors.VALIDATE_ERROR, `Error creating a new schema objects for schemas : [${this.keyTexts.join(', ')}]`, { cause: err });
    }
  }

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    if (mc.payload.isJson) throw new MiError(Errors.VALIDATE_ERROR, 'the message is JSON: JSON Schema validation is not supported by this runtime');
    let node: Element;
    try {
      node = sourceNode(mc, this.source);
    } catch (err) {
      // Synapse: a source that selects nothing goes to on-fail, not to the fault sequence
      mc.setProperty('ERROR_MESSAGE', `Error occurred while accessing source element: ${this.source?.source ?? DEFAULT_SOURCE}`);
      mc.setProperty('ERROR_DETAIL', (err as Error).message);
      return runList(this.onFail, mc);
    }
    const problems = this.schemaFor(mc).validate(serializeXml(node));
    if (!problems) return true;
    mc.setProperty('ERROR_MESSAGE', problems.messages.map((m) => m + '\n').join(''));
    mc.setProperty('ERROR_EXCEPTION', 'org.xml.sax.SAXParseException');
    mc.setProperty('ERROR_DETAIL', problems.messages[problems.messages.length - 1]);
    return runList(this.onFail, mc);
  }
}

export const validate: MediatorDef = {
  tag: 'validate',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['source', 'cache-schema', 'description']);
    const cache = a.get('cache-schema');
    if (cache !== undefined && !/^(true|false)$/.test(cache)) ctx.fail(el, Errors.BAD_VALUE, `cache-schema must be true or false, not '${cache}'`);
    const sourceText = a.get('source');
    if (sourceText !== undefined && /^\s*json-eval\(/.test(sourceText)) ctx.fail(el, Errors.UNSUPPORTED, 'a JSONPath source validates against a JSON Schema, which this runtime does not support');
    const source = sourceText !== undefined ? ctx.expression(el, sourceText) : undefined;
    const keys: DynamicValue[] = [];
    const keyTexts: string[] = [];
    const schemaEls: Element[] = [];
    const resources = new Map<string, string>();
    const resourceEls: Element[] = [];
    let onFail: Mediator[] | undefined;
    for (const k of childElements(el)) {
      switch (k.localName) {
        case 'schema': {
          const key = ctx.attrs(k, ['key'], ['key']).req('key');
          keys.push(ctx.dynamic(k, key));
          keyTexts.push(key);
          schemaEls.push(k);
          break;
        }
        case 'resource': {
          const r = ctx.attrs(k, ['location', 'key'], ['location', 'key']);
          resources.set(r.req('location'), r.req('key'));
          resourceEls.push(k);
          break;
        }
        case 'feature': {
          const f = ctx.attrs(k, ['name', 'value'], ['name', 'value']);
          if (!/^(true|false)$/.test(f.req('value'))) ctx.fail(k, Errors.BAD_VALUE, `<feature name="${f.req('name')}"> value must be true or false`);
          break;
        }
        case 'on-fail':
          onFail = ctx.mediatorList(k);
          break;
        default:
          ctx.fail(k, Errors.UNKNOWN_ELEMENT, `<${k.localName}> is not allowed in <validate> (schema, resource, feature, on-fail)`);
      }
    }
    if (keys.length === 0) ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'A non-empty <schema key> element is required for the <validate> mediator');
    if (onFail === undefined) ctx.fail(el, Errors.UNKNOWN_ELEMENT, 'A non-empty <on-fail> child element is required for the <validate> mediator');
    const m = new ValidateMediator(keys, keyTexts, source, resources, onFail!);
    const binder = (key: string) => (target: unknown) => ({ problems: m.bind(key, (target as { text: string }).text), refs: [] });
    keys.forEach((k, i) => {
      if (k.isStatic) ctx.ref(schemaEls[i]!, 'localEntry', keyTexts[i]!, binder(keyTexts[i]!));
    });
    let i = 0;
    for (const rk of resources.values()) ctx.ref(resourceEls[i++]!, 'localEntry', rk, binder(rk));
    return m;
  },
};
