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
 * The three StAXON stages are kept as three small classes so each can be checked against its Java original.
 */
import { Errors, MiError } from '../errors.js';
import { elementKey } from './json-names.js';

/** A number written as its text (AutoPrimitiveTarget's BigDecimal). */
class Raw {
  constructor(readonly text: string) {}
}
type Value = string | boolean | null | Raw;

interface Target {
  name(n: string): void;
  value(v: Value): void;
  startObject(): void;
  endObject(): void;
  startArray(): void;
  endArray(): void;
}

function cannot(why: string): never {
  throw new MiError(Errors.JSON_NOT_WRITABLE, `the XML payload cannot be written as JSON: ${why}`);
}

// ---- JsonStreamTargetImpl: writes the text; the wrapper names are unwrapped when they open an object ----

const SKIPPED = new Set(['jsonObject', 'jsonArray', 'jsonElement']);
const EMPTY_NAME = 'jsonEmpty';
const EMPTY_VALUE = '_JsonScanner_EMPTY_OBJECT';

class TextTarget implements Target {
  out = '';
  private readonly namePos: number[] = [0];
  private readonly arrayPos: number[] = [0];
  private depth = 0;
  private objectJustOpened = false;
  private readonly pendingBraces: string[] = [];
  private readonly skipClose: boolean[] = [];

  name(n: string): void {
    if (n === EMPTY_NAME) {
      this.out += this.pendingBraces.pop() ?? '';
      this.skipClose.push(false);
      this.objectJustOpened = false;
      return;
    }
    if (this.objectJustOpened) {
      this.objectJustOpened = false;
      if (SKIPPED.has(n)) {
        this.pendingBraces.pop();
        this.skipClose.push(true);
        return;
      }
      this.skipClose.push(false);
      this.out += this.pendingBraces.pop() ?? '';
    }
    const d = this.depth;
    if ((this.namePos[d] ?? 0) > 1) this.out += ',';
    this.namePos[d] = (this.namePos[d] ?? 0) + 1;
    this.out += '"' + n + '":';
  }

  private arrayComma(): void {
    const p = this.arrayPos[this.depth] ?? 0;
    if (p > 0) {
      if (p > 1) this.out += ',';
      this.arrayPos[this.depth] = p + 1;
    }
  }

  value(v: Value): void {
    this.objectJustOpened = false;
    this.arrayComma();
    if (v === null) this.out += 'null';
    else if (typeof v === 'string') {
      if (v !== EMPTY_VALUE) this.out += '"' + encode(v) + '"';
    } else if (typeof v === 'boolean') this.out += v ? 'true' : 'false';
    else this.out += v.text;
  }

  startObject(): void {
    this.arrayComma();
    this.pendingBraces.push('{');
    this.objectJustOpened = true;
    this.depth++;
    this.namePos[this.depth] = 1;
  }

  endObject(): void {
    this.objectJustOpened = false;
    this.namePos[this.depth] = 0;
    this.depth--;
    if (this.skipClose.pop()) return;
    this.out += '}';
  }

  startArray(): void {
    this.objectJustOpened = false;
    if ((this.arrayPos[this.depth] ?? 0) > 0) cannot('nested arrays are not supported');
    this.out += '[';
    this.arrayPos[this.depth] = 1;
  }

  endArray(): void {
    this.objectJustOpened = false;
    this.arrayPos[this.depth] = 0;
    this.out += ']';
  }
}

/** JsonStreamTargetImpl.encode: quote, backslash and control characters; nothing else (not '/', not non-ASCII). */
function encode(s: string): string {
  let i = 0;
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) out += '\\"';
    else if (c === 92) out += '\\\\';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 32) out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
    else out += s[i];
  }
  return out;
}

// ---- AutoArrayTarget: buffers the document and turns adjacent equal names into one array ----

const enum Ev {
  StartObject,
  EndObject,
  EndArray,
  Name,
  Value,
}
interface Field {
  name: string;
  array: boolean;
}
type Event = { k: Ev.StartObject | Ev.EndObject | Ev.EndArray } | { k: Ev.Name; f: Field } | { k: Ev.Value; v: Value };
const START_OBJECT: Event = { k: Ev.StartObject };
const END_OBJECT: Event = { k: Ev.EndObject };
const END_ARRAY: Event = { k: Ev.EndArray };

class AutoArray implements Target {
  private readonly events: Event[] = [];
  private readonly fields: Field[] = [];
  constructor(private readonly next: TextTarget) {}

  private last(): Event | undefined {
    return this.events[this.events.length - 1];
  }
  private pushField(name: string): void {
    const f = { name, array: false };
    this.fields.push(f);
    this.events.push({ k: Ev.Name, f });
  }
  private popField(): void {
    if (this.fields.pop()?.array) this.events.push(END_ARRAY);
  }
  name(n: string): void {
    if (this.last()?.k === Ev.StartObject) this.pushField(n);
    else {
      const top = this.fields[this.fields.length - 1];
      if (top && top.name === n) top.array = true;
      else {
        this.popField();
        this.pushField(n);
      }
    }
  }
  value(v: Value): void {
    this.events.push({ k: Ev.Value, v });
  }
  startObject(): void {
    this.events.push(START_OBJECT);
  }
  endObject(): void {
    if (this.last()?.k !== Ev.StartObject) this.popField();
    this.events.push(END_OBJECT);
    if (this.fields.length === 0) this.flush();
  }
  startArray(): void {
    const top = this.fields[this.fields.length - 1];
    if (!top || top.array) cannot('an array starts twice for the same name (two xml-multiple instructions)');
    top.array = true;
  }
  endArray(): void {
    // closed when the next name differs or the object ends
  }
  flush(): void {
    const t = this.next;
    for (const e of this.events) {
      switch (e.k) {
        case Ev.StartObject:
          t.startObject();
          break;
        case Ev.EndObject:
          t.endObject();
          break;
        case Ev.EndArray:
          t.endArray();
          break;
        case Ev.Name:
          t.name(e.f.name);
          if (e.f.array) t.startArray();
          break;
        case Ev.Value:
          t.value(e.v);
      }
    }
    this.events.length = 0;
  }
}

// ---- AutoPrimitiveTarget: element text to true/false/null/number; attributes stay strings ----

const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

class AutoPrimitive implements Target {
  private lastName = '';
  constructor(private readonly next: Target) {}
  name(n: string): void {
    this.lastName = n;
    this.next.name(n);
  }
  value(v: Value): void {
    if (typeof v === 'string' && !this.lastName.startsWith('@')) {
      if (v === 'true') v = true;
      else if (v === 'false') v = false;
      else if (v === 'null') v = null;
      else if (NUMBER.test(v)) v = new Raw(bigDecimalString(v));
    }
    this.next.value(v);
  }
  startObject(): void {
    this.next.startObject();
  }
  endObject(): void {
    this.next.endObject();
  }
  startArray(): void {
    this.next.startArray();
  }
  endArray(): void {
    this.next.endArray();
  }
}

/** Java's `new BigDecimal(t).toString()` for a JSON number text: scale kept, E-notation when Java uses it. */
export function bigDecimalString(t: string): string {
  const m = NUMBER.exec(t);
  if (!m) return t;
  const frac = m[2] ? m[2].slice(1) : '';
  const expText = m[3] ? m[3].slice(1) : '0';
  // an exponent Java cannot hold in an int fails there; here the text is kept
  if (expText.replace(/^[+-]?0*/, '').length > 9) return t;
  const scale = frac.length - Number(expText);
  let coeff = (m[1]! + frac).replace(/^0+/, '');
  if (coeff === '') coeff = '0';
  const neg = t.charCodeAt(0) === 45 && coeff !== '0';
  const sign = neg ? '-' : '';
  if (scale === 0) return sign + coeff;
  const len = coeff.length;
  const adjusted = -scale + (len - 1);
  if (scale > 0 && adjusted >= -6) {
    const pad = scale - len;
    if (pad >= 0) return sign + '0.' + '0'.repeat(pad) + coeff;
    return sign + coeff.slice(0, len - scale) + '.' + coeff.slice(len - scale);
  }
  let s = sign + coeff[0] + (len > 1 ? '.' + coeff.slice(1) : '');
  if (adjusted !== 0) s += 'E' + (adjusted > 0 ? '+' : '') + adjusted;
  return s;
}

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
