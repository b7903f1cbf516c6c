/**
 * <template name="T"> holding an <endpoint>: an endpoint template (Synapse's endpoints.Template). Its
 * <endpoint> is kept as written, `$uri`, `$name` and other `$param` placeholders included; each template
 * endpoint (`<endpoint template="T" uri=".."><parameter name="x" value="y"/></endpoint>`) fills them in and
 * parses the result when it is linked (endpoints/template.ts). A <template> without an <endpoint> is a
 * sequence template (parse-sequence.ts).
 */
import { Errors } from '../errors.js';
import { childElements } from '../xml/dom.js';
import type { MediatorParser, ParseContext } from './parse-context.js';

export interface EndpointTemplate {
  readonly kind: 'endpointTemplate';
  readonly name: string;
  /** The file it came from. */
  readonly file: string;
  /** The declared <parameter> names: only these placeholders are filled in. */
  readonly parameters: readonly string[];
  /** The <endpoint> element with its placeholders. */
  readonly element: Element;
  /** What parses the endpoint once filled in: the deployment's parser and home. */
  readonly mediators: MediatorParser;
  readonly home: string;
}

/** Synapse reads a <template> with an <endpoint> child as an endpoint template. */
export function isEndpointTemplate(el: Element): boolean {
  return childElements(el).some((c) => c.localName === 'endpoint');
}

export function parseEndpointTemplate(el: Element, ctx: ParseContext): EndpointTemplate {
  const a = ctx.attrs(el, ['name', 'description', 'trace', 'statistics', 'onError'], ['name']);
  const parameters: string[] = [];
  let endpoint: Element | undefined;
  for (const c of childElements(el)) {
    if (c.localName === 'parameter') {
      const pa = ctx.attrs(c, ['name', 'defaultValue', 'isMandatory', 'description'], ['name']);
      parameters.push(pa.req('name'));
    } else if (c.localName === 'endpoint') {
      if (endpoint) ctx.fail(c, Errors.UNKNOWN_ELEMENT, 'an endpoint template holds one <endpoint>; found a second one');
      endpoint = c;
    } else if (c.localName !== 'description') {
      ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in an endpoint <template>; use <parameter> and one <endpoint>`);
    }
  }
  return { kind: 'endpointTemplate', name: a.req('name'), file: ctx.file, parameters, element: endpoint!, mediators: ctx.mediators, home: ctx.home };
}
