/** <sequence name onError> artifacts, inline sequences (inSequence, ...) and sequence <template>s (endpoint ones: endpoint-template.ts). */
import { Errors } from '../errors.js';
import { childElements } from '../xml/dom.js';
import { Sequence, SequenceRef } from '../mediators/sequence.js';
import type { Mediator } from '../mediators/mediator.js';
import type { ParseContext } from './parse-context.js';
import type { NamedSequence, SequenceTemplate } from './model.js';

export function parseSequenceElement(el: Element, ctx: ParseContext, name: string): Sequence {
  const a = ctx.attrs(el, ['name', 'onError', 'trace', 'statistics', 'description', 'key']);
  const onError = a.get('onError');
  if (onError !== undefined) ctx.ref(el, 'sequence', onError);
  return new Sequence(name, ctx.mediatorList(el), onError, ctx.file);
}

export function parseNamedSequence(el: Element, ctx: ParseContext): NamedSequence {
  const name = el.getAttribute('name');
  if (!name) ctx.fail(el, Errors.MISSING_ATTRIBUTE, "a sequence needs the 'name' attribute");
  return { kind: 'sequence', name: name!, file: ctx.file, sequence: parseSequenceElement(el, ctx, name!) };
}

/**
 * A sequence slot of a proxy or resource: an inline child element, or a key attribute on the parent.
 * Returns undefined when neither is present.
 */
export function sequenceSlot(parent: Element, ctx: ParseContext, slot: string, owner: string): Mediator | undefined {
  const key = parent.getAttribute(slot);
  const inline = childElements(parent).find((c) => c.localName === slot);
  if (inline && key) ctx.warn(inline, Errors.BAD_VALUE, `both ${slot}="${key}" and an inline <${slot}>; the inline one is used`);
  if (inline) return parseSequenceElement(inline, ctx, `${owner}/${slot}`);
  if (key) {
    ctx.ref(parent, 'sequence', key);
    return new SequenceRef(key);
  }
  return undefined;
}

export function parseTemplate(el: Element, ctx: ParseContext): SequenceTemplate {
  const a = ctx.attrs(el, ['name', 'onError', 'trace', 'statistics', 'description'], ['name']);
  const name = a.req('name');
  const parameters: SequenceTemplate['parameters'][number][] = [];
  let seq: Sequence | undefined;
  for (const c of childElements(el)) {
    if (c.localName === 'parameter') {
      const pa = ctx.attrs(c, ['name', 'defaultValue', 'isMandatory', 'description'], ['name']);
      parameters.push({ name: pa.req('name'), defaultValue: pa.get('defaultValue'), isMandatory: pa.bool('isMandatory', false) });
    } else if (c.localName === 'sequence') {
      seq = parseSequenceElement(c, ctx, name);
    } else if (c.localName !== 'description') {
      ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <template>; use <parameter> and <sequence>`);
    }
  }
  if (!seq) ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'a template needs a <sequence>');
  return { kind: 'template', name, file: ctx.file, parameters, sequence: seq! };
}
