/** The <source> and <target> of an <enrich>, as its parse() reads them (shared by the XML and JSON ways). */
import { Errors } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { childElements, serializeXml, textOf } from '../xml/dom.js';
import type { ParseContext } from '../artifacts/parse-context.js';
import { toPath } from '../expr/json-path.js';

export type SourceType = 'custom' | 'envelope' | 'body' | 'property' | 'inline';
export type TargetType = 'custom' | 'envelope' | 'body' | 'property';
export type Action = 'replace' | 'child' | 'sibling';

export interface Source {
  type: SourceType;
  clone: boolean;
  xpath?: Expression;
  /** The JSONPath of a json-eval() xpath. */
  jsonPath?: string;
  property?: string;
  inlineXml?: string;
  inlineText?: string;
  key?: string;
}

export interface Target {
  type: TargetType;
  action: Action;
  xpath?: Expression;
  /** The JSONPath of a json-eval() xpath. */
  jsonPath?: string;
  property?: string;
}

function jsonPathOf(e: Expression): string | undefined {
  const m = /^\s*json-eval\(([\s\S]*)\)\s*$/.exec(e.source);
  return m ? toPath(m[1]!.trim()) : undefined;
}

export function parseSource(el: Element, ctx: ParseContext): Source {
  const a = ctx.attrs(el, ['type', 'clone', 'xpath', 'property', 'key']);
  const type = (a.get('type') ?? 'custom') as SourceType;
  if (!['custom', 'envelope', 'body', 'property', 'inline'].includes(type)) ctx.fail(el, Errors.BAD_VALUE, `unknown enrich source type '${type}'`);
  const s: Source = { type, clone: a.bool('clone', true) };
  if (type === 'custom') {
    const x = a.get('xpath');
    if (x === undefined) ctx.fail(el, Errors.MISSING_ATTRIBUTE, "a custom enrich source needs 'xpath'");
    s.xpath = ctx.expression(el, x!);
    s.jsonPath = jsonPathOf(s.xpath);
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

export function parseTarget(el: Element, ctx: ParseContext): Target {
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
    t.jsonPath = jsonPathOf(t.xpath);
  } else if (type === 'property') {
    t.property = a.get('property');
    if (t.property === undefined) ctx.fail(el, Errors.MISSING_ATTRIBUTE, "a property enrich target needs 'property'");
  }
  return t;
}

