/**
 * Micro Integrator's JSON <-> XML mapping, so XPath works on JSON payloads and XML payloads can leave as
 * JSON: an object becomes <jsonObject>, each key an element, an array repeated elements (marked with the
 * <?xml-multiple?> processing instruction so a one-item array stays an array), a root array
 * <jsonArray><jsonElement>. Back to JSON, text that reads as a number, boolean or null becomes one.
 */
import { escapeXml } from './soap.js';

const PD = '_JsonReader_PD_'; // key starting with a digit
const PS = '_JsonReader_PS_'; // space in a key

function toElementName(key: string): string {
  let k = key.replace(/ /g, PS);
  if (/^[0-9]/.test(k)) k = PD + k;
  k = k.replace(/[^A-Za-z0-9_.\-]/g, '_');
  return k.length ? k : '_';
}

function fromElementName(name: string): string {
  let k = name.startsWith(PD) ? name.slice(PD.length) : name;
  if (k.includes(PS)) k = k.split(PS).join(' ');
  return k;
}

function valueXml(name: string, v: unknown, out: string[]): void {
  if (Array.isArray(v)) {
    out.push(`<?xml-multiple ${name}?>`);
    for (const item of v) valueXml(name, item, out);
    return;
  }
  if (v === null || v === undefined) {
    out.push(`<${name} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>`);
    return;
  }
  if (typeof v === 'object') {
    out.push(`<${name}>`);
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) valueXml(toElementName(k), child, out);
    out.push(`</${name}>`);
    return;
  }
  out.push(`<${name}>${escapeXml(String(v))}</${name}>`);
}

/** XML text of the payload element for a JSON value (the element that goes inside soap:Body). */
export function jsonToXml(value: unknown): string {
  const out: string[] = [];
  if (Array.isArray(value)) {
    out.push('<jsonArray>');
    valueXml('jsonElement', value, out);
    out.push('</jsonArray>');
  } else if (value !== null && typeof value === 'object') {
    out.push('<jsonObject>');
    for (const [k, child] of Object.entries(value as Record<string, unknown>)) valueXml(toElementName(k), child, out);
    out.push('</jsonObject>');
  } else {
    valueXml('jsonObject', value, out);
  }
  return out.join('');
}

function primitive(text: string): unknown {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (t !== '' && /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(t)) {
    const n = Number(t);
    if (Number.isFinite(n) && (Number.isSafeInteger(n) || t.includes('.') || /e/i.test(t))) return n;
  }
  return text;
}

function isNil(el: Element): boolean {
  return el.getAttributeNS('http://www.w3.org/2001/XMLSchema-instance', 'nil') === 'true';
}

/**
 * Objects built from XML have no prototype: an element named constructor, toString or __proto__ is an
 * ordinary key, not a lookup into Object.prototype (nor a prototype change).
 */
function newObject(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

function elementValue(el: Element): unknown {
  if (isNil(el)) return null;
  const obj = newObject();
  let hasChild = false;
  let text = '';
  const multiple = new Set<string>();
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 7) {
      if ((n as ProcessingInstruction).target === 'xml-multiple') multiple.add(((n as ProcessingInstruction).data || '').trim());
      continue;
    }
    if (n.nodeType === 3 || n.nodeType === 4) {
      text += n.nodeValue ?? '';
      continue;
    }
    if (n.nodeType !== 1) continue;
    hasChild = true;
    const c = n as Element;
    const key = fromElementName(c.localName);
    const v = elementValue(c);
    if (key in obj) {
      const prev = obj[key];
      if (Array.isArray(prev) && (multiple.has(c.localName) || (prev as unknown[] & { __m?: true }).__m)) prev.push(v);
      else obj[key] = Object.assign([prev, v], { __m: true as const });
    } else {
      obj[key] = multiple.has(c.localName) ? Object.assign([v], { __m: true as const }) : v;
    }
  }
  // attributes other than namespace declarations become "@name"
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!;
    if (a.name === 'xmlns' || a.name.startsWith('xmlns:') || a.namespaceURI === 'http://www.w3.org/2001/XMLSchema-instance') continue;
    obj['@' + a.localName] = primitive(a.value);
    hasChild = true;
  }
  if (!hasChild) return multiple.size ? [] : primitive(text);
  if (text.trim() !== '') obj['$'] = primitive(text);
  return obj;
}

function stripMarks(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripMarks);
  if (v && typeof v === 'object') {
    const o = newObject();
    for (const k of Object.keys(v)) o[k] = stripMarks((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

/** JSON value of a payload element: <jsonObject>/<jsonArray> map back exactly, any other element as {name: value}. */
export function xmlToJson(el: Element): unknown {
  if (el.localName === 'jsonObject' && !el.namespaceURI) return stripMarks(elementValue(el));
  if (el.localName === 'jsonArray' && !el.namespaceURI) {
    const v = elementValue(el) as Record<string, unknown> | unknown[];
    const arr = Array.isArray(v) ? v : (v as Record<string, unknown>)?.['jsonElement'];
    return stripMarks(arr === undefined ? [] : Array.isArray(arr) ? arr : [arr]);
  }
  const o = newObject();
  o[fromElementName(el.localName)] = elementValue(el);
  return stripMarks(o);
}
