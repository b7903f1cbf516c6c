/**
 * <enrich>: copy a source (custom XPath/JSONPath, envelope, body, property, inline) into a target (custom
 * XPath, body, property, envelope) with action replace, child or sibling. JSON payloads are enriched as JSON.
 */
import type { MessageContext } from '../context/message-context.js';
import { Errors, MiError } from '../errors.js';
import { childElements, firstChildElement, parseXml, serializeXml } from '../xml/dom.js';
import { enrichJson } from './enrich-json.js';
import { parseSource, parseTarget, type Source, type Target } from './enrich-parts.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { copyNode } from '../xml/copy.js';

/** A property value Synapse treats as XML: an element, or a node list that is not JSON text. */
function holdsXml(v: unknown): boolean {
  if (isNode(v)) return true;
  if (!Array.isArray(v) || !v.some(isNode)) return false;
  if (v.some((n) => isNode(n) && n.nodeType === 1)) return true;
  const text = v.map((n) => (isNode(n) ? n.nodeValue ?? '' : String(n))).join('');
  try {
    const j: unknown = JSON.parse(text);
    return j === null || typeof j !== 'object';
  } catch {
    return true;
  }
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as Node).nodeType === 'number';
}

class EnrichMediator implements Mediator {
  readonly tag = 'enrich';
  readonly contentAware = true;
  /** Synapse enriches a JSON payload natively only when neither side is an XPath. */
  private readonly nativeJson: boolean;
  private readonly jsonPaths: boolean;
  constructor(
    private readonly source: Source,
    private readonly target: Target,
  ) {
    const xpathSide = (source.type === 'custom' && !source.jsonPath) || (target.type === 'custom' && !target.jsonPath);
    this.nativeJson = !xpathSide;
    this.jsonPaths = !!source.jsonPath || !!target.jsonPath;
  }

  mediate(mc: MessageContext): boolean {
    if (this.enrichesAsJson(mc)) enrichJson(mc, this.source, this.target);
    else this.enrichXml(mc);
    return true;
  }

  /** As Synapse: natively as JSON, unless a side is an XPath or a property source holds XML. */
  private enrichesAsJson(mc: MessageContext): boolean {
    if (!this.nativeJson) return this.jsonPaths && !(this.source.type === 'custom' && !this.source.jsonPath);
    if (!mc.payload.isJson && !this.jsonPaths) return false;
    return this.source.type !== 'property' || !holdsXml(mc.getProperty(this.source.property!));
  }

  // ---- XML ----
  private sourceNodes(mc: MessageContext): Node[] | string {
    const s = this.source;
    switch (s.type) {
      case 'envelope':
        return [mc.payload.envelope().documentElement];
      case 'body': {
        const el = mc.payload.bodyElement();
        return el ? [el] : [];
      }
      case 'property': {
        const v = mc.getProperty(s.property!);
        if (v && typeof v === 'object' && 'nodeType' in v) return [v as Node];
        if (Array.isArray(v)) return v as Node[];
        return v === undefined ? '' : String(v);
      }
      case 'inline': {
        if (s.key) {
          const e = mc.runtime.localEntry(s.key);
          if (!e) throw new MiError(Errors.MEDIATION_ERROR, `enrich source local entry '${s.key}' is not deployed`);
          return e.element ? [e.element] : e.text;
        }
        if (s.inlineXml) return [parseXml(s.inlineXml).documentElement];
        return s.inlineText ?? '';
      }
      case 'custom': {
        const r = s.xpath!.evaluate(mc);
        return Array.isArray(r) ? (r as Node[]) : String(r ?? '');
      }
    }
  }

  private enrichXml(mc: MessageContext): void {
    const doc = mc.payload.envelope();
    const src = this.sourceNodes(mc);
    const t = this.target;
    const imported = (): Node[] =>
      typeof src === 'string' ? [doc.createTextNode(src)] : src.map((n) => copyNode(doc, n.nodeType === 9 ? (n as Document).documentElement : n));
    // clone="false" moves the source nodes of the message instead of copying them
    const detachSource = (): void => {
      if (this.source.clone || typeof src === 'string' || (this.source.type !== 'custom' && this.source.type !== 'body')) return;
      let moved = false;
      for (const n of src) {
        if (n.ownerDocument === doc && n.parentNode) {
          n.parentNode.removeChild(n);
          moved = true;
        }
      }
      if (moved) mc.payload.markXmlChanged();
    };
    if (t.type === 'property') {
      const v = typeof src === 'string' ? src : src.length === 1 ? copyNode(src[0]!.ownerDocument ?? (src[0] as Document), src[0]!) : src.map((n) => copyNode(n.ownerDocument ?? (n as Document), n));
      mc.setProperty(t.property!, v);
      detachSource();
      return;
    }
    if (t.type === 'envelope') {
      const el = typeof src === 'string' ? undefined : (src.find((n) => n.nodeType === 1) as Element | undefined);
      if (!el) throw new MiError(Errors.MEDIATION_ERROR, 'enrich: an envelope target needs an XML element as source');
      mc.payload.setEnvelope(parseXml(serializeXml(el)));
      return;
    }
    let targets: Node[];
    if (t.type === 'body') {
      const body = mc.payload.body();
      if (t.action === 'child') targets = [body];
      else {
        const first = firstChildElement(body);
        if (!first) {
          for (const n of imported()) body.appendChild(n);
          mc.payload.markXmlChanged();
          return;
        }
        targets = [first];
      }
    } else {
      const r = t.xpath!.evaluate(mc);
      if (!Array.isArray(r) || r.length === 0) throw new MiError(Errors.MEDIATION_ERROR, `enrich: target '${t.xpath!.source}' selects no node`);
      targets = [r[0] as Node];
    }
    for (const target of targets) {
      const nodes = imported();
      if (t.action === 'replace') {
        if (target.nodeType === 2) (target as Attr).value = nodes.map((n) => n.textContent).join('');
        else if (typeof src === 'string' && target.nodeType === 1) (target as Element).textContent = src;
        else {
          const parent = target.parentNode!;
          for (const n of nodes) parent.insertBefore(n, target);
          parent.removeChild(target);
        }
      } else if (t.action === 'child') {
        for (const n of nodes) target.appendChild(n);
      } else {
        const parent = target.parentNode!;
        const next = target.nextSibling;
        for (const n of nodes) parent.insertBefore(n, next);
      }
    }
    detachSource();
    mc.payload.markXmlChanged();
  }
}

export const enrich: MediatorDef = {
  tag: 'enrich',
  parse(el, ctx) {
    ctx.attrs(el, ['description']);
    const src = childElements(el).find((c) => c.localName === 'source');
    const tgt = childElements(el).find((c) => c.localName === 'target');
    if (!src || !tgt) return ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'enrich needs a <source> and a <target>');
    return new EnrichMediator(parseSource(src, ctx), parseTarget(tgt, ctx));
  },
};
