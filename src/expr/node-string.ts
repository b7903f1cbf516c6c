/**
 * The string Synapse makes of one XML node (SynapseXPath.stringValueOf): an element gives its own text, or
 * itself serialized when it has no text of its own; an attribute its value; a document its serialization.
 * XPath results, `$ctx:` variables and get-property() of an XML (OM) property all print through this.
 */
import { serializeXml } from '../xml/dom.js';

export function nodeString(n: Node): string {
  switch (n.nodeType) {
    case 1: {
      let t = '';
      for (let c = n.firstChild; c; c = c.nextSibling) if (c.nodeType === 3 || c.nodeType === 4) t += c.nodeValue ?? '';
      return t.trim() === '' && n.firstChild ? serializeXml(n) : t;
    }
    case 2:
      return (n as Attr).value;
    case 9:
      return serializeXml(n);
    default:
      return n.nodeValue ?? '';
  }
}
