/** The optional <endpoint> child of send/call: inline, or a reference by key. */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import { parseEndpoint } from '../endpoints/parse.js';
import { childElements } from '../xml/dom.js';

export function endpointChild(el: Element, ctx: ParseContext): Endpoint | undefined {
  const e = childElements(el).find((c) => c.localName === 'endpoint');
  return e ? parseEndpoint(e, ctx) : undefined;
}
