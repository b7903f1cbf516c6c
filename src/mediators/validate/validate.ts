/**
 * <validate [source] [cache-schema]>: Synapse's ValidateMediator. <schema key> (one or more, static keys
 * compiled when the artifact deploys, {dynamic} keys on first use), <resource location key> for the
 * documents the schemas import, <feature> (Xerces switches, accepted), <on-fail> run when the message is
 * not valid.
 *
 * As in Synapse the message decides: an XML message is validated against XML Schemas (libxml2), with
 * ERROR_MESSAGE holding every problem, each followed by a newline; a JSON message against a JSON schema (a
 * text local entry holding JSON; with several keys Synapse takes the last), the whole payload or what a
 * json-eval() `source` gives, with ERROR_MESSAGE and ERROR_DETAIL as Synapse words them (fge-report.ts).
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
import { compileJsonSchema, JsonSchemaCompileError, type CompiledJsonSchema } from './json-schema-engine.js';
import { isJsonPath, jsonToValidate } from './json-source.js';

/** Synapse's name of the default source (SourceXPathSupport). */
const DEFAULT_SOURCE = 's11:Body/child::*[position()=1] | s12:Body/child::*[position()=1]';

/** A local entry as the linker hands it over: its text, and whether it is XML (else a text entry). */
interface EntryText {
  readonly text: string;
  readonly xml: boolean;
}

class ValidateMediator implements Mediator {
  readonly tag = 'validate';
  readonly contentAware = true;
  private readonly texts = new Map<string, EntryText>();
  /** Static keys: the XML Schema (all entries XML) and the JSON schema (the last entry holds JSON) compiled. */
  private linked: { xsd?: CompiledSchema; json?: CompiledJsonSchema } | undefined;
  private readonly byKeys = new Map<string, { fingerprint: string; schema: CompiledSchema }>();
  private readonly jsonByKey = new Map<string, { text: string; schema: CompiledJsonSchema }>();

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

  private get jsonSource(): boolean {
    return this.source !== undefined && isJsonPath(this.source);
  }

  /**
   * Called by the linker for each schema and resource entry: compiles once every text is known. A text
   * entry holding JSON (the last schema key's) is a JSON schema; XML entries are XML Schemas.
   */
  bind(key: string, entry: EntryText): BindProblem[] {
    this.texts.set(key, entry);
    if (!this.allStatic) return [];
    const needed = [...this.keyTexts, ...this.resources.values()];
    if (needed.some((k) => !this.texts.has(k))) return [];
    const last = this.texts.get(this.keyTexts[this.keyTexts.length - 1]!)!;
    const linked: NonNullable<typeof this.linked> = {};
    if (looksLikeJson(last)) {
      try {
        linked.json = compileJsonSchema(last.text);
      } catch (err) {
        if (err instanceof JsonSchemaCompileError) return [{ spec: Errors.JSON_SCHEMA_COMPILE, message: `JSON schema '${this.keyTexts[this.keyTexts.length - 1]}' is not valid: ${err.message}` }];
        throw err;
      }
    }
    const schemas = this.keyTexts.map((k) => this.texts.get(k)!);
    if (!schemas.some(looksLikeJson)) {
      try {
        linked.xsd = compileSchema({ schemas: schemas.map((e) => e.text), resources: resourceTexts(this.resources, (k) => this.texts.get(k)?.text) });
      } catch (err) {
        if (err instanceof XsdCompileError) return [{ spec: Errors.XSD_COMPILE, message: `schema ${this.keyTexts.map((k) => `'${k}'`).join(', ')} is not valid: ${err.message}` }];
        throw err;
      }
    }
    this.linked = linked;
    return [];
  }

  private xsdFor(mc: MessageContext): CompiledSchema {
    if (this.linked) {
      if (this.linked.xsd) return this.linked.xsd;
      throw new MiError(Errors.VALIDATE_ERROR, `Error creating a new schema objects for schemas : [${this.keyTexts.join(', ')}]`, { cause: new Error('the schema is a JSON schema and the message is XML') });
    }
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

  private jsonSchemaFor(mc: MessageContext): CompiledJsonSchema {
    if (this.linked) {
      if (this.linked.json) return this.linked.json;
      throw new MiError(Errors.VALIDATE_ERROR, 'Can not find valid JSON Schema content');
    }
    // Synapse looks every key up and keeps the last entry
    const keys = this.keys.map((k) => k.resolve(mc));
    const entry = mc.runtime.localEntry(keys[keys.length - 1]!);
    if (!entry) throw new MiError(Errors.VALIDATE_ERROR, `Can not find JSON Schema ${keys.join('')}`);
    if (!looksLikeJson({ text: entry.text, xml: entry.element !== undefined })) throw new MiError(Errors.VALIDATE_ERROR, 'Can not find valid JSON Schema content');
    const id = keys.join('');
    const hit = this.jsonByKey.get(id);
    if (hit?.text === entry.text) return hit.schema;
    try {
      const schema = compileJsonSchema(entry.text);
      this.jsonByKey.set(id, { text: entry.text, schema });
      return schema;
    } catch (err) {
      throw new MiError(Errors.VALIDATE_ERROR, 'Error while validating the JSON Schema', { cause: err });
    }
  }

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    if (mc.payload.isJson) return this.validateJson(mc);
    let node: Element;
    // a JSONPath source means nothing to an XML message: Synapse validates its default source
    const source = this.jsonSource ? undefined : this.source;
    try {
      node = sourceNode(mc, source);
    } catch (err) {
      // Synapse: a source that selects nothing goes to on-fail, not to the fault sequence
      mc.setProperty('ERROR_MESSAGE', `Error occurred while accessing source element: ${source?.source ?? DEFAULT_SOURCE}`);
      mc.setProperty('ERROR_DETAIL', (err as Error).message);
      return runList(this.onFail, mc);
    }
    const problems = this.xsdFor(mc).validate(serializeXml(node));
    if (!problems) return true;
    mc.setProperty('ERROR_MESSAGE', problems.messages.map((m) => m + '\n').join(''));
    mc.setProperty('ERROR_EXCEPTION', 'org.xml.sax.SAXParseException');
    mc.setProperty('ERROR_DETAIL', problems.messages[problems.messages.length - 1]);
    return runList(this.onFail, mc);
  }

  private validateJson(mc: MessageContext): boolean | Promise<boolean> {
    const schema = this.jsonSchemaFor(mc);
    const problem = schema.validate(jsonToValidate(mc, this.source));
    if (!problem) return true;
    mc.setProperty('ERROR_MESSAGE', problem.message);
    mc.setProperty('ERROR_DETAIL', `Error while validating Json message ${problem.detail}`);
    return runList(this.onFail, mc);
  }
}

/** A text entry whose text is a JSON object (or a boolean schema). */
function looksLikeJson(e: EntryText): boolean {
  return !e.xml && /^\s*(\{|true\s*$|false\s*$)/.test(e.text);
}

export const validate: MediatorDef = {
  tag: 'validate',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['source', 'cache-schema', 'description']);
    const cache = a.get('cache-schema');
    if (cache !== undefined && !/^(true|false)$/.test(cache)) ctx.fail(el, Errors.BAD_VALUE, `cache-schema must be true or false, not '${cache}'`);
    const sourceText = a.get('source');
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
    const binder = (key: string) => (target: unknown) => {
      const t = target as { text: string; element?: Element };
      return { problems: m.bind(key, { text: t.text, xml: t.element !== undefined }), refs: [] };
    };
    keys.forEach((k, i) => {
      if (k.isStatic) ctx.ref(schemaEls[i]!, 'localEntry', keyTexts[i]!, binder(keyTexts[i]!));
    });
    let i = 0;
    for (const rk of resources.values()) ctx.ref(resourceEls[i++]!, 'localEntry', rk, binder(rk));
    return m;
  },
};
