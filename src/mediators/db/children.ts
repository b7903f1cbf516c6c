/** The children a dblookup or dbreport may have: <connection>, <statement>, <description>. */
import type { ParseContext } from '../../artifacts/parse-context.js';
import { Errors } from '../../errors.js';
import { childElements } from '../../xml/dom.js';

export function checkChildren(el: Element, ctx: ParseContext): void {
  for (const c of childElements(el)) {
    if (c.localName !== 'connection' && c.localName !== 'statement' && c.localName !== 'description') {
      ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <${el.localName}>; use <connection> and <statement>`);
    }
  }
}
