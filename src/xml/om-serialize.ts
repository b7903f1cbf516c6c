/**
 * An element written on its own as Axiom writes an OMElement (`toString()`, and the POX formatter): each
 * namespace declaration appears where the output first needs it, and only there. The element's own
 * namespace comes first, then the declarations written on it, then those of its prefixed attributes; a
 * declaration the output already has in scope (an `xmlns=""` outside any default namespace, a prefix the
 * parent declared) is not repeated. A namespace in scope from an ancestor that is not written (the Synapse
 * namespace around a payloadFactory format) is declared on the element that uses it, as Micro Integrator does.
 */
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export interface OmSerializeOptions {
  /** Leave out text nodes holding only whitespace (Synapse's removeIndentations, done on formats at deploy). */
  dropIndentation?: boolean;
}

/** Java's String.trim() === '': only characters up to U+0020. */
export function isIndentation(s: string): boolean {
  return /^[\x00-\x20]*$/.test(s);
}

function escapeText(s: string): string {
  return /[<>&\r]/.test(s) ? s.replace(/[<>&\r]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&#13;')) : s;
}

function escapeAttr(s: string): string {
  return /[<>&"\t\n\r]/.test(s)
    ? s.replace(/[<>&"\t\n\r]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : `&#${c.charCodeAt(0)};`))
    : s;
}

/** Prefix -> namespace written so far on the path from the output's root; undefined prefix = not bound. */
type Scope = Map<string, string>;

export function serializeOmElement(el: Element, opts: OmSerializeOptions = {}): string {
  const out: string[] = [];
  writeElement(el, new Map([['', ''], ['xml', XML_NS]]), opts, out);
  return out.join('');
}

function writeElement(el: Element, parentScope: Scope, opts: OmSerializeOptions, out: string[]): void {
  let scope = parentScope;
  const decls: [string, string][] = [];
  const declare = (prefix: string, uri: string): void => {
    if ((scope.get(prefix) ?? (prefix === '' ? '' : undefined)) === uri) return;
    if (scope === parentScope) scope = new Map(parentScope);
    scope.set(prefix, uri);
    decls.push([prefix, uri]);
  };
  declare(el.prefix ?? '', el.namespaceURI ?? '');
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!;
    if (a.namespaceURI === XMLNS_NS || a.name === 'xmlns' || a.name.startsWith('xmlns:')) declare(a.name === 'xmlns' ? '' : a.name.slice(6), a.value);
  }
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!;
    if (a.prefix && a.namespaceURI && a.namespaceURI !== XMLNS_NS && a.prefix !== 'xmlns') declare(a.prefix, a.namespaceURI);
  }
  let s = `<${el.tagName}`;
  for (const [p, u] of decls) s += p === '' ? ` xmlns="${escapeAttr(u)}"` : ` xmlns:${p}="${escapeAttr(u)}"`;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!;
    if (a.namespaceURI === XMLNS_NS || a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
    s += ` ${a.name}="${escapeAttr(a.value)}"`;
  }
  let first = el.firstChild;
  if (opts.dropIndentation) while (first && first.nodeType === 3 && isIndentation(first.nodeValue ?? '')) first = first.nextSibling;
  if (!first) {
    out.push(s + '/>');
    return;
  }
  out.push(s + '>');
  for (let n: Node | null = first; n; n = n.nextSibling) {
    switch (n.nodeType) {
      case 1:
        writeElement(n as Element, scope, opts, out);
        break;
      case 3:
        if (!(opts.dropIndentation && isIndentation(n.nodeValue ?? ''))) out.push(escapeText(n.nodeValue ?? ''));
        break;
      case 4:
        out.push(`<![CDATA[${n.nodeValue ?? ''}]]>`);
        break;
      case 7:
        out.push(`<?${(n as ProcessingInstruction).target}${n.nodeValue ? ' ' + n.nodeValue : ''}?>`);
        break;
      case 8:
        out.push(`<!--${n.nodeValue ?? ''}-->`);
        break;
      default:
        break;
    }
  }
  out.push(`</${el.tagName}>`);
}
