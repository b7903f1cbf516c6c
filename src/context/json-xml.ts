/**
 * Micro Integrator's JSON <-> XML mapping, so XPath works on JSON payloads and XML payloads can leave as JSON.
 * JSON to XML as Synapse's JSON builder writes it (its StAXON reader over JsonScanner): an object becomes
 * <jsonObject>, each key an element named as json-names.ts says, "@key" an attribute of the enclosing element
 * (wherever it stands among the keys), "$" the element's text; an array repeated elements after a
 * <?xml-multiple key?> instruction (naming the key as written in the JSON), an array inside an array an
 * element holding <jsonArray> with <jsonElement> items, a root array <jsonArray><jsonElement>...; null, an
 * empty string and {} an empty element. Numbers keep their text. XML to JSON is xml-to-json.ts.
 */
import { isJsonNumber, parseJson } from '../json/json-number.js';
import { keyElementName } from './json-names.js';
import { xmlToJsonText } from './xml-to-json.js';

export { xmlToJsonText } from './xml-to-json.js';

/** Characters XML 1.0 cannot hold; Micro Integrator writes them as the text \uXXXX. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const NOT_XML_ALL = new RegExp(NOT_XML.source, 'g');

function text(s: string): string {
  let t = s;
  if (NOT_XML.test(t)) t = t.replace(NOT_XML_ALL, (c) => '\\u' + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0'));
  if (!/[<>&]/.test(t)) return t;
  return t.replace(/[<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;');
}

/** A JSON primitive as element text (null as no text). */
function primitiveText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return text(v);
  return String(v);
}

function isContainer(v: unknown): v is object {
  return v !== null && typeof v === 'object' && !isJsonNumber(v);
}

class XmlWriter {
  readonly out: string[] = [];
  constructor(private readonly pis: boolean) {}

  /** <name ...>content</name> for any JSON value. */
  element(name: string, v: unknown): void {
    const out = this.out;
    if (Array.isArray(v)) {
      // an array inside an array: MI's scanner turns it into {"jsonArray":{"jsonElement":[...]}}
      out.push(`<${name}><jsonArray>`);
      this.array('jsonElement', 'jsonElement', v);
      out.push(`</jsonArray></${name}>`);
      return;
    }
    if (isContainer(v)) {
      this.object(name, v as Record<string, unknown>);
      return;
    }
    const t = primitiveText(v);
    out.push(t === '' ? `<${name}/>` : `<${name}>${t}</${name}>`);
  }

  /** The items of an array under one key: the xml-multiple instruction, then one element per item. */
  array(key: string, name: string, items: unknown[]): void {
    if (this.pis) this.out.push(`<?xml-multiple ${key.replace(/\?>/g, '? >')}?>`);
    for (const item of items) this.element(name, item);
  }

  object(name: string, o: Record<string, unknown>): void {
    const out = this.out;
    const keys = Object.keys(o);
    let open = `<${name}`;
    for (const k of keys) {
      if (k.charCodeAt(0) !== 64 || k.length < 2) continue;
      const v = o[k];
      if (isContainer(v)) continue;
      const a = k.slice(1);
      open += a === 'xmlns' ? ` xmlns="${attr(primitiveText(v))}"` : ` ${keyElementName(a)}="${attr(primitiveText(v))}"`;
    }
    out.push(open + '>');
    for (const k of keys) {
      const v = o[k];
      if (k.charCodeAt(0) === 64 && k.length > 1 && !isContainer(v)) continue;
      if (k === '$' && !isContainer(v)) {
        out.push(primitiveText(v));
        continue;
      }
      const child = keyElementName(k);
      if (Array.isArray(v)) this.array(k, child, v);
      else this.element(child, v);
    }
    out.push(`</${name}>`);
  }
}

/**
 * XML text of the payload element for a JSON value (the element that goes inside soap:Body). `pis` false
 * leaves out the xml-multiple instructions, as Micro Integrator does when it writes a JSON message as XML.
 */
export function jsonToXml(value: unknown, pis = true): string {
  const w = new XmlWriter(pis);
  if (Array.isArray(value)) {
    w.out.push('<jsonArray>');
    w.array('jsonElement', 'jsonElement', value);
    w.out.push('</jsonArray>');
  } else w.element('jsonObject', value);
  return w.out.join('');
}

/** JSON value of a payload element: the JSON text Micro Integrator would write for it, read back. */
export function xmlToJson(el: Element): unknown {
  return parseJson(xmlToJsonText(el));
}
