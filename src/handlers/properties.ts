/**
 * The `<property>` children of `<handler>` and `<class>`: `<property name="n" value="v"/>` gives a string,
 * `<property name="n"><anyXml/></property>` gives that element, as Micro Integrator passes an OMElement.
 */
import { Errors } from '../errors.js';
import type { ParseContext } from '../artifacts/parse-context.js';
import { childElements } from '../xml/dom.js';
import type { HandlerProperties, HandlerPropertyValue } from '../context/handler-contract.js';

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

export function parseExtensionProperties(el: Element, ctx: ParseContext): HandlerProperties {
  const out: Record<string, HandlerPropertyValue> = {};
  for (const c of childElements(el)) {
    if (c.localName === 'description') continue;
    if (c.localName !== 'property') ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <${el.localName}>; use <property name="..." value="..."/>`);
    const a = ctx.attrs(c, ['name', 'value', 'expression'], ['name']);
    const name = a.req('name').trim();
    if (!/^[A-Za-z_$][\w$]*$/.test(name) || RESERVED.has(name)) ctx.fail(c, Errors.BAD_VALUE, `property name '${name}' is not an identifier; it becomes a field of the instance`);
    if (Object.prototype.hasOwnProperty.call(out, name)) ctx.fail(c, Errors.BAD_VALUE, `property '${name}' is given twice`);
    if (a.get('expression') !== undefined) ctx.fail(c, Errors.UNSUPPORTED, `property '${name}': expression-valued properties are not supported; read the value in the handler with mc.getProperty()`);
    const value = a.get('value');
    const xml = childElements(c)[0];
    if (value !== undefined) out[name] = value;
    else if (xml) out[name] = xml;
    else ctx.fail(c, Errors.MISSING_ATTRIBUTE, `property '${name}' needs a value attribute or an XML child element`);
  }
  return Object.freeze(out);
}
