/**
 * XML to JSON text exactly as Micro Integrator writes it (Synapse's JsonUtil.writeAsJson over its StAXON
 * copy: JsonXMLStreamWriter -> AutoPrimitiveTarget -> AutoArrayTarget -> JsonStreamTargetImpl, with
 * synapse.properties' defaults: auto primitive, auto array, xml-multiple PIs honoured, no namespaces):
 * - whitespace-only text is dropped, namespaces and prefixes are removed (`ns:a` is "a", `xsi:type` "@type");
 * - attributes come first as "@name", always strings; an element's text beside attributes is "$";
 * - element text that is true, false, null or a JSON number becomes one; a number is written as Java's
 *   BigDecimal prints it (`25.0000` stays, `1e3` is `1E+3`, `-0` is `0`); `007` stays a string;
 * - an empty element is null; adjacent repeated elements make an array, and `<?xml-multiple name?>` makes
 *   one even for a single element or none; repeats that are not adjacent repeat the key, as MI writes them;
 * - `jsonObject`, `jsonArray` and `jsonElement` as the first key of an object are unwrapped (so MI's XML
 *   form of JSON, nested arrays included, turns back into the JSON it came from);
 * - text beside child elements (mixed content) cannot be written, as in MI.
 * The three StAXON targets are in json-stream-targets.ts; this file is the writer that drives them.
 */
import { elementKey } from './json-names.js';
import { AutoArray, AutoPrimitive, cannot, TextTarget, type Target } from './json-stream-targets.js';

export { bigDecimalString } from './json-stream-targets.js';

// ---- JsonXMLStreamWriter: the element events, from a walk of the DOM or a pass of the byte tokenizer ----

class Scope {
  data: string | null = null;
  objectStarted = false;
  pendingArray = false;
  arrayName: string | null = null;
  hadChild = false;

  reset(): this {
    this.data = null;
    this.objectStarted = false;
    this.pendingArray = false;
    this.arrayName = null;
    this.hadChild = false;
    return this;
  }
}

/** Text made of characters <= U+0020 only (Axiom's trim() test in JsonUtil.removeIndentations). */
function blank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 32) return false;
  return true;
}

/**
 * The element events of one payload element: startElement, its attributes, then text, processing
 * instructions and child elements, then endElement. Scopes are kept per depth and reused.
 */
export class JsonEventWriter {
  private readonly t: Target;
  private readonly text = new TextTarget();
  private readonly arrays: AutoArray;
  private readonly scopes: Scope[] = [new Scope()];
  private depth = 0;

  constructor() {
    this.arrays = new AutoArray(this.text);
    this.t = new AutoPrimitive(this.arrays);
    this.t.startObject();
    this.scopes[0]!.objectStarted = true;
  }

  startElement(localName: string): void {
    const t = this.t;
    const parent = this.scopes[this.depth]!;
    if (parent.data !== null) {
      if (!blank(parent.data)) cannot(`mixed content is not supported: '${parent.data.slice(0, 60)}'`);
      parent.data = null;
    }
    const field = elementKey(localName);
    if (parent.pendingArray) this.startArray(parent, field);
    if (parent.arrayName === null) {
      if (!parent.objectStarted) {
        t.startObject();
        parent.objectStarted = true;
      }
    } else if (field !== parent.arrayName) this.endArray(parent);
    if (parent.arrayName === null) t.name(field);
    parent.hadChild = true;
    const d = ++this.depth;
    if (d === this.scopes.length) this.scopes.push(new Scope());
    else this.scopes[d]!.reset();
  }

  /** An attribute of the element just started (namespace declarations are not passed). */
  attribute(localName: string, value: string): void {
    const s = this.scopes[this.depth]!;
    if (!s.objectStarted) {
      this.t.startObject();
      s.objectStarted = true;
    }
    this.t.name('@' + localName);
    this.t.value(value);
  }

  /** A text or CDATA node of the current element. */
  characters(text: string): void {
    if (blank(text)) return;
    const s = this.scopes[this.depth]!;
    if (s.hadChild) cannot(`mixed content is not supported: '${text.slice(0, 60)}'`);
    s.data = s.data === null ? text : s.data + text;
  }

  /** `<?xml-multiple name?>` in the current element (data as written, trimmed here). */
  xmlMultiple(data: string): void {
    const s = this.scopes[this.depth]!;
    const name = data.trim();
    if (name === '') s.pendingArray = true;
    else this.startArray(s, name);
  }

  endElement(): void {
    const t = this.t;
    const s = this.scopes[this.depth--]!;
    if (s.data !== null) {
      if (s.objectStarted) t.name('$');
      t.value(s.data);
    }
    if (s.arrayName !== null) this.endArray(s);
    if (s.objectStarted) t.endObject();
    else if (s.data === null) t.value(null);
  }

  /** The JSON text, once the payload element has ended. */
  finish(): string {
    const doc = this.scopes[0]!;
    if (doc.arrayName !== null) this.t.endArray();
    this.t.endObject();
    this.arrays.flush();
    return this.text.out;
  }

  private startArray(s: Scope, name: string): void {
    if (s.arrayName !== null) this.endArray(s);
    s.arrayName = name;
    s.pendingArray = false;
    if (!s.objectStarted) {
      this.t.startObject();
      s.objectStarted = true;
    }
    this.t.name(name);
    this.t.startArray();
  }

  private endArray(s: Scope): void {
    s.arrayName = null;
    this.t.endArray();
  }
}

function walk(el: Element, w: JsonEventWriter): void {
  w.startElement(el.localName);
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!;
    if (a.name !== 'xmlns' && a.prefix !== 'xmlns') w.attribute(a.localName, a.value);
  }
  for (let n = el.firstChild; n; n = n.nextSibling) {
    const type = n.nodeType;
    if (type === 1) walk(n as Element, w);
    else if (type === 3 || type === 4) w.characters(n.nodeValue ?? '');
    else if (type === 7 && (n as ProcessingInstruction).target === 'xml-multiple') w.xmlMultiple((n as ProcessingInstruction).data ?? '');
  }
  w.endElement();
}

/** The JSON text Micro Integrator writes for a payload element (the first child of the SOAP body). */
export function xmlToJsonText(el: Element): string {
  const w = new JsonEventWriter();
  walk(el, w);
  return w.finish();
}
