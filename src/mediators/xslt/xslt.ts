/**
 * <xslt key [source] [target]>: Synapse's XSLTMediator. The key names a local entry (static, compiled when
 * the artifact deploys) or is a {dynamic} expression (compiled on first use of each key, then cached);
 * <property name value|expression> are stylesheet parameters, <resource location key> the documents its
 * xsl:import/xsl:include name, <feature>/<attribute> tune Java's TransformerFactory and are accepted as
 * such (SaxonJS has no equivalent switches). The result replaces the source node, or goes to the `target`
 * property.
 */
import path from 'node:path';
import type { MessageContext } from '../../context/message-context.js';
import { Errors, MiError } from '../../errors.js';
import type { Expression } from '../../expr/expression.js';
import { childElements, parseXml } from '../../xml/dom.js';
import type { Mediator } from '../mediator.js';
import type { MediatorDef } from '../mediator-def.js';
import { replaceSource, sourceNode } from '../source-node.js';
import { resultElement, resultXml, type CompiledStylesheet } from './xslt-engine.js';
import { StylesheetKey } from './stylesheet-key.js';
import { payloadTree, saxonTreeOf } from './saxon-tree.js';

const XSLT_LOGGER = 'org.apache.synapse.mediators.transform.XSLTMediator';

interface Param {
  name: string;
  value?: string;
  expression?: Expression;
}

class XsltMediator implements Mediator {
  readonly tag = 'xslt';
  readonly contentAware = true;

  constructor(
    readonly stylesheet: StylesheetKey,
    private readonly source: Expression | undefined,
    private readonly target: string | undefined,
    private readonly params: readonly Param[],
  ) {}

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const r = this.stylesheet.resolve(mc);
    if (r instanceof Promise) return r.then(({ xsl, key }) => this.apply(mc, xsl, key));
    return this.apply(mc, r.xsl, r.key);
  }

  private apply(mc: MessageContext, xsl: CompiledStylesheet, key: string): boolean {
    let params: Record<string, string> | undefined;
    if (this.params.length) {
      params = {};
      for (const p of this.params) params[`Q{}${p.name}`] = p.value ?? p.expression!.stringValue(mc);
    }
    const onMessage = (text: string): void => mc.runtime.logs.get(XSLT_LOGGER).info(`xsl:message (${key}): ${text}`);
    const failed = (err: unknown): MiError =>
      new MiError(Errors.XSLT_ERROR, `Error performing XSLT transformation using : ${key}`, { cause: err instanceof Error ? err : new Error(String(err)) });
    // the payload element of untouched bytes: read from the bytes, and the result written back into them,
    // so that the message gets no DOM at all (the next step forwards bytes)
    if (this.source === undefined && this.target === undefined && (!xsl.serializedOutput || xsl.textOutput)) {
      const bytes = mc.payload.untouchedXml();
      const tree = bytes && payloadTree(bytes.raw, bytes.pox, bytes.maxDepth);
      if (tree) {
        let out: string;
        try {
          out = resultXml(xsl.run(tree.doc, params, onMessage), xsl);
        } catch (err) {
          throw failed(err);
        }
        mc.payload.setRaw(Buffer.concat([bytes!.raw.subarray(0, tree.start), Buffer.from(out), bytes!.raw.subarray(tree.end)]), mc.payload.contentType);
        return true;
      }
    }
    const node = sourceNode(mc, this.source, Errors.XSLT_ERROR);
    const isRoot = node === node.ownerDocument.documentElement;
    // the result is made in the document it goes into: nothing to import afterwards
    const owner = isRoot || this.target !== undefined ? newDocument() : node.ownerDocument;
    let result: Element;
    try {
      result = resultElement(xsl.run(saxonTreeOf(node), params, onMessage), xsl, owner);
    } catch (err) {
      throw failed(err);
    }
    if (isRoot && this.target === undefined) owner.appendChild(result);
    if (this.target !== undefined) mc.setProperty(this.target, result);
    else replaceSource(mc, node, result);
    return true;
  }
}

const domImplementation = parseXml('<x/>').implementation;
function newDocument(): Document {
  return domImplementation.createDocument(null, '', null);
}

export const xslt: MediatorDef = {
  tag: 'xslt',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['key', 'source', 'target', 'description'], ['key']);
    const keyText = a.req('key');
    const key = ctx.dynamic(el, keyText);
    const sourceText = a.get('source');
    const source = sourceText !== undefined ? ctx.expression(el, sourceText) : undefined;
    const params: Param[] = [];
    const resources = new Map<string, string>();
    const resourceEls: Element[] = [];
    for (const k of childElements(el)) {
      switch (k.localName) {
        case 'property': {
          const p = ctx.attrs(k, ['name', 'value', 'expression'], ['name']);
          const value = p.get('value');
          const expr = p.get('expression');
          if ((value === undefined) === (expr === undefined)) ctx.fail(k, Errors.BAD_VALUE, `<property name="${p.req('name')}"> needs either 'value' or 'expression'`);
          params.push(value !== undefined ? { name: p.req('name'), value } : { name: p.req('name'), expression: ctx.expression(k, expr!) });
          break;
        }
        case 'feature': {
          const f = ctx.attrs(k, ['name', 'value'], ['name', 'value']);
          if (!/^(true|false)$/.test(f.req('value'))) ctx.fail(k, Errors.BAD_VALUE, `<feature name="${f.req('name')}"> value must be true or false`);
          break;
        }
        case 'attribute':
          ctx.attrs(k, ['name', 'value'], ['name', 'value']);
          break;
        case 'resource': {
          const r = ctx.attrs(k, ['location', 'key'], ['location', 'key']);
          resources.set(r.req('location'), r.req('key'));
          resourceEls.push(k);
          break;
        }
        default:
          ctx.fail(k, Errors.UNKNOWN_ELEMENT, `<${k.localName}> is not allowed in <xslt> (property, feature, attribute, resource)`);
      }
    }
    const stylesheet = new StylesheetKey(key, keyText, resources, path.join(ctx.home, 'tmp', 'xslt-cache'));
    const m = new XsltMediator(stylesheet, source, a.get('target'), params);
    const binder = (k: string) => (target: unknown) => ({ problems: stylesheet.bind(k, (target as { text: string }).text), refs: [] });
    if (key.isStatic) ctx.ref(el, 'localEntry', keyText, binder(keyText));
    let i = 0;
    for (const rk of resources.values()) ctx.ref(resourceEls[i++]!, 'localEntry', rk, binder(rk));
    return m;
  },
};
