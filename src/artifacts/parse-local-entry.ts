/** <localEntry key>: a text or XML value other artifacts refer to by key (WSDLs, policies, formats). */
import { Errors } from '../errors.js';
import { childElements, serializeXml, textOf } from '../xml/dom.js';
import type { ParseContext } from './parse-context.js';
import type { LocalEntry } from './model.js';

export function parseLocalEntry(el: Element, ctx: ParseContext): LocalEntry {
  const a = ctx.attrs(el, ['key', 'src', 'description'], ['key']);
  if (a.get('src') !== undefined) ctx.fail(el, Errors.UNSUPPORTED, `local entry '${a.req('key')}': src URLs are not fetched; put the content inline`);
  const kids = childElements(el).filter((c) => c.localName !== 'description');
  const element = kids[0];
  return {
    kind: 'localEntry',
    name: a.req('key'),
    file: ctx.file,
    element,
    text: element ? serializeXml(element) : textOf(el).trim(),
  };
}
