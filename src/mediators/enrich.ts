/**
 * <enrich>: copy a source (custom XPath/JSONPath, envelope, body, property, inline) into a target (custom
 * XPath, body, property, envelope) with action replace, child or sibling. JSON payloads are enriched as JSON.
 */
import type { MessageContext } from '../context/message-context.js';
import { Errors, MiError } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { childElements, firstChildElement, parseXml, serializeXml, textOf } from '../xml/dom.js';
import type { ParseContext } from '../artifacts/parse-context.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

type SourceType = 'custom' | 'envelope' | 'body' | 'property' | 'inline';
type TargetType = 'custom' | 'envelope' | 'body' | 'property';
type Action = 'replace' | 'child' | 'sibling';

interface Source {
  type: SourceType;
  clone: boolean;
  xpath?: Expression;
  property?: string;
  inlineXml?: string;
  inlineText?: string;
  key?: string;
}

interface Target {
  type: TargetType;
  action: Action;
  xpath?: Expression;
  property?: string;
}

function isJsonPath(e: Expression | undefined): boolean {
  return !!e && /^\s*json-eval\(/.test(e.source);
}

class EnrichMediator implements Mediator {
  readonly tag = 'enrich';
  readonly contentAware = true;
  constructor(
    private readonly source: Source,
    private readonly target: Target,
  ) {}

  mediate(mc: MessageContext): boolean {
    if (mc.payload.isJson || isJsonPath(this.source.xpath) || isJsonPath(this.target.xpath)) this.enrichJson(mc);
    else this.enrichXml(mc);
    return true;
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
      typeof src === 'string' ? [doc.createTextNode(src)] : src.map((n) => doc.importNode(n.nodeType === 9 ? (n as Document).documentElement : n, true));
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
      const v = typeof src === 'string' ? src : src.length === 1 ? src[0]!.cloneNode(true) : src.map((n) => n.cloneNode(true));
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

  // ---- JSON ----
  private sourceJson(mc: MessageContext): unknown {
    const s = this.source;
    switch (s.type) {
      case 'body':
      case 'envelope':
        return structuredClone(mc.payload.json());
      case 'property': {
        const v = mc.getProperty(s.property!);
        if (typeof v === 'string') {
          try {
            return JSON.parse(v);
          } catch {
            return v;
          }
        }
        return v;
      }
      case 'inline': {
        const text = s.key ? mc.runtime.localEntryText(s.key) ?? '' : s.inlineText ?? '';
        try {
          return JSON.parse(text);
        } catch {
          return text;
        }
      }
      case 'custom':
        return structuredClone(s.xpath!.evaluate(mc));
    }
  }

  private enrichJson(mc: MessageContext): void {
    const value = this.sourceJson(mc);
    const t = this.target;
    if (t.type === 'property') {
      mc.setProperty(t.property!, typeof value === 'string' ? value : JSON.stringify(value));
      return;
    }
    const root = structuredClone(mc.payload.json()) as unknown;
    if (t.type === 'body' || t.type === 'envelope') {
      if (t.action === 'child' && root && typeof root === 'object') {
        if (Array.isArray(root)) root.push(value);
        else if (value && typeof value === 'object' && !Array.isArray(value)) Object.assign(root, value);
        mc.payload.setJson(root);
      } else mc.payload.setJson(value);
      return;
    }
    const path = /^\s*json-eval\((.*)\)\s*$/.exec(t.xpath!.source)?.[1]?.trim() ?? '';
    const keys = path.replace(/^\$\.?/, '').split('.').filter(Boolean);
    if (!keys.length) {
      mc.payload.setJson(value);
      return;
    }
    let parent = root as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) {
      if (!parent || typeof parent !== 'object') throw new MiError(Errors.MEDIATION_ERROR, `enrich: target ${path} does not exist`);
      parent = parent[k] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    if (!parent || typeof parent !== 'object') throw new MiError(Errors.MEDIATION_ERROR, `enrich: target ${path} does not exist`);
    if (t.action === 'replace') parent[last] = value;
    else if (t.action === 'child') {
      const cur = parent[last];
      if (Array.isArray(cur)) cur.push(value);
      else if (cur && typeof cur === 'object' && value && typeof value === 'object') Object.assign(cur, value);
      else parent[last] = value;
    } else {
      throw new MiError(Errors.MEDIATION_ERROR, 'enrich: action "sibling" is not supported for JSON targets');
    }
    mc.payload.setJson(root);
  }
}

function parseSource(el: Element, ctx: ParseContext): Source {
  const a = ctx.attrs(el, ['type', 'clone', 'xpath', 'property', 'key']);
  const type = (a.get('type') ?? 'custom') as SourceType;
  if (!['custom', 'envelope', 'body', 'property', 'inline'].includes(type)) ctx.fail(el, Errors.BAD_VALUE, `unknown enrich source type '${type}'`);
  const s: Source = { type, clone: a.bool('clone', true) };
  if (type === 'custom') {
    const x = a.get('xpath');
    if (x === undefined) ctx.fail(el, Errors.MISSING_ATTRIBUTE, "a custom enrich source needs 'xpath'");
    s.xpath = ctx.expression(el, x!);
  } else if (type === 'property') {
    s.property = a.get('property');
    if (s.property === undefined) ctx.fail(el, Errors.MISSING_ATTRIBUTE, "a property enrich source needs 'property'");
  } else if (type === 'inline') {
    s.key = a.get('key');
    if (s.key !== undefined) ctx.ref(el, 'localEntry', s.key);
    const inner = childElements(el)[0];
    if (inner) s.inlineXml = serializeXml(inner);
    else s.inlineText = textOf(el).trim();
  }
  return s;
}

function parseTarget(el: Element, ctx: ParseContext): Target {
  const a = ctx.attrs(el, ['type', 'action', 'xpath', 'property']);
  const type = (a.get('type') ?? 'custom') as TargetType;
  if (!['custom', 'envelope', 'body', 'property'].includes(type)) ctx.fail(el, Errors.BAD_VALUE, `unknown enrich target type '${type}'`);
  const action = (a.get('action') ?? 'replace') as Action;
  if (!['replace', 'child', 'sibling'].includes(action)) ctx.fail(el, Errors.BAD_VALUE, `enrich action must be replace, child or sibling, not '${action}'`);
  const t: Target = { type, action };
  if (type === 'custom') {
    const x = a.get('xpath');
    if (x === undefined) ctx.fail(el, Errors.MISSING_ATTRIBUTE, "a custom enrich target needs 'xpath'");
    t.xpath = ctx.expression(el, x!);
  } else if (type === 'property') {
    t.property = a.get('property');
    if (t.property === undefined) ctx.fail(el, Errors.MISSING_ATTRIBUTE, "a property enrich target needs 'property'");
  }
  return t;
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
