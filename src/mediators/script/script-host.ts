/**
 * The host side of the script's `mc`: Micro Integrator's ScriptMessageContext (Nashorn/GraalJS flavour)
 * over our MessageContext. XML crosses as text: getPayloadXML() returns the payload element serialized, and
 * setPayloadXML() / addHeader() take XML text (or anything whose toString() is XML). Micro Integrator hands
 * out Axiom/E4X objects there; a script that navigates them (`payload..symbol`) needs rewriting, see docs/mediators.md.
 */
import { stringifyJson } from '../../json/json-number.js';
import type { MessageContext, PropertyScope } from '../../context/message-context.js';
import { serializeXml, parseXml, XmlParseError, firstChildElement } from '../../xml/dom.js';
import { propertyString } from '../../expr/get-property.js';
import type { HostCall } from './script-sandbox.js';
import type { Level } from '../../logging/logger.js';
import { copyNode } from '../../xml/copy.js';

/** mc.getServiceLog(): Micro Integrator logs through the script message context's class logger. */
const SCRIPT_LOGGER = 'org.apache.synapse.mediators.bsf.GraalVMJavaScriptMessageContext';

const SCOPES: Record<string, PropertyScope> = { default: 'default', axis2: 'axis2', transport: 'transport', operation: 'operation' };

/** A primitive the sandbox can receive: strings, numbers, booleans, null; anything else as its text. */
function primitive(v: unknown): string | number | boolean | null | undefined {
  if (v === undefined || v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v as never;
  if (Array.isArray(v)) return v.map((n) => (typeof n === 'object' && n !== null && 'nodeType' in n ? serializeXml(n as Node) : String(n))).join('');
  if (typeof v === 'object' && 'nodeType' in (v as object)) return serializeXml(v as Node);
  return propertyString(v);
}

function parseElement(xml: string, what: string): Element {
  try {
    return parseXml(xml.trim()).documentElement;
  } catch (err) {
    if (err instanceof XmlParseError) throw new Error(`${what}: the value is not well-formed XML: ${err.problem.message}`);
    throw err;
  }
}

export function scriptHost(mc: MessageContext): HostCall {
  return (op, a, b, c) => {
    switch (op) {
      case 'getPayloadXML': {
        const el = mc.payload.bodyElement();
        return el ? serializeXml(el) : null;
      }
      case 'setPayloadXML': {
        const xml = String(a ?? '');
        parseElement(xml, 'setPayloadXML');
        mc.payload.setBodyXml(xml.trim());
        return undefined;
      }
      case 'getPayloadJSON':
        // Micro Integrator: the parsed JSON body for a JSON message, an empty object for any other
        return mc.payload.isJson ? JSON.stringify(mc.payload.json() ?? {}) : '{}';
      case 'setPayloadJSON': {
        let value: unknown;
        try {
          value = JSON.parse(String(a));
        } catch (err) {
          throw new Error(`setPayloadJSON: the value is not JSON: ${(err as Error).message}`);
        }
        mc.payload.setJson(value);
        return undefined;
      }
      case 'getJsonText': {
        const t = mc.getProperty('JSON_TEXT');
        return t === undefined || t === null ? '{}' : primitive(t);
      }
      case 'getPayloadText':
        return mc.payload.isJson ? stringifyJson(mc.payload.json() ?? {}) : serializeXml(mc.payload.envelope().documentElement);
      case 'getEnvelopeXML':
        return serializeXml(mc.payload.envelope().documentElement);
      case 'addHeader': {
        const el = parseElement(String(b ?? ''), 'addHeader');
        addHeaderBlock(mc, el, a === true);
        return undefined;
      }
      case 'getProperty': {
        const scope = scopeOf(b as string | undefined);
        return scope ? primitive(mc.getProperty(String(a), scope)) : null;
      }
      case 'setProperty': {
        const scope = scopeOf(c as string | undefined);
        if (scope) mc.setProperty(String(a), b, scope); // an unknown scope is ignored, as in Micro Integrator
        return undefined;
      }
      case 'removeProperty': {
        const scope = scopeOf(b as string | undefined);
        if (scope) mc.removeProperty(String(a), scope);
        return undefined;
      }
      case 'getPropertyKeySet':
        return JSON.stringify([...mc.props.keys()]);
      case 'getEntry': {
        const e = mc.runtime.localEntry(String(a));
        return e ? e.text : null;
      }
      case 'setTo':
        mc.to = String(a);
        return undefined;
      case 'getTo':
        return mc.to;
      case 'getMessageID':
        return mc.messageId ?? null;
      case 'setMessageID':
        mc.messageId = String(a);
        return undefined;
      case 'getSoapAction':
        return mc.soapAction ?? null;
      case 'setSoapAction':
        mc.soapAction = String(a);
        return undefined;
      case 'isSOAP11':
        return mc.payload.soapVersion === '1.1';
      case 'isResponse':
        return mc.isResponse;
      case 'isFaultResponse':
        return mc.isFault;
      case 'isDoingPOX':
        return mc.payload.kind !== 'soap11' && mc.payload.kind !== 'soap12';
      case 'isDoingGET':
        return mc.inbound.method === 'GET';
      case 'log':
        mc.runtime.logs.get(SCRIPT_LOGGER).log(a as Level, String(b ?? ''), undefined, mc.correlationId);
        return undefined;
      case 'logEnabled':
        return mc.runtime.logs.get(SCRIPT_LOGGER).isEnabled(a as Level);
      default:
        throw new Error(`mc.${op}() is not supported`);
    }
  };
}

function scopeOf(scope: string | undefined): PropertyScope | undefined {
  return scope === undefined ? 'default' : SCOPES[scope];
}

/** Adds a SOAP header block (Axiom's addHeaderBlock): the element's name, attributes and children. */
function addHeaderBlock(mc: MessageContext, el: Element, mustUnderstand: boolean): void {
  const doc = mc.payload.envelope();
  const env = doc.documentElement;
  let header = firstChildElement(env, 'Header');
  if (!header) {
    header = doc.createElementNS(env.namespaceURI, `${env.prefix ? env.prefix + ':' : ''}Header`);
    env.insertBefore(header, env.firstChild);
  }
  const block = copyNode(doc, el) as Element;
  if (mustUnderstand) {
    const p = env.prefix ?? 'soapenv';
    block.setAttributeNS(env.namespaceURI, `${p}:mustUnderstand`, env.namespaceURI === 'http://www.w3.org/2003/05/soap-envelope' ? 'true' : '1');
  }
  header.appendChild(block);
  mc.payload.markXmlChanged();
}
