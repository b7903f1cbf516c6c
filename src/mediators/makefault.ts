/**
 * <makefault>: replace the message with a SOAP 1.1 / 1.2 fault (or a POX error) built from its parts, written
 * as Synapse's FaultMediator and Axiom write it: the fault code keeps the prefix the artifact declares
 * (`soap11Env:Client` stays `soap11Env:Client`, declared on the code element when the envelope does not bind it).
 */
import type { MessageContext } from '../context/message-context.js';
import { escapeXml, soapContentType, soapNs } from '../context/soap.js';
import { Errors } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { childElements, serializeXml, SOAP11_NS, SOAP12_NS } from '../xml/dom.js';
import type { ParseContext } from '../artifacts/parse-context.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

/** The prefix of the envelope the fault is written in (Axiom's default). */
const ENV_PREFIX = 'soapenv';

/** The fault codes Synapse accepts for each version (FaultMediatorFactory). */
const CODES: Record<'soap11' | 'soap12', { ns: string; names: readonly string[] }> = {
  soap11: { ns: SOAP11_NS, names: ['VersionMismatch', 'MustUnderstand', 'Client', 'Server'] },
  soap12: { ns: SOAP12_NS, names: ['VersionMismatch', 'MustUnderstand', 'DataEncodingUnknown', 'Sender', 'Receiver'] },
};

interface QualifiedCode {
  prefix: string;
  local: string;
  ns: string;
}

/** A code given by an expression, and the prefixes declared where it was written. */
interface ComputedCode {
  expression: Expression;
  namespaces: Record<string, string>;
}

type Text = { value: string } | { expression: Expression };

/** <detail>: text, copied elements (serialized once), or an expression (nodes are copied, anything else is text). */
type Detail = { text: string } | { xml: string } | { expression: Expression };

class MakefaultMediator implements Mediator {
  readonly tag = 'makefault';
  readonly contentAware = true;
  constructor(
    private readonly version: 'soap11' | 'soap12' | 'pox' | undefined,
    private readonly code: QualifiedCode | ComputedCode | undefined,
    private readonly reason: Text | undefined,
    private readonly node: string | undefined,
    private readonly role: string | undefined,
    private readonly detail: Detail | undefined,
    private readonly response: boolean,
  ) {}

  mediate(mc: MessageContext): boolean {
    // Synapse reads a missing version as soap11; a request that is not SOAP gets a POX error here instead
    const kind = mc.payload.kind;
    const version = this.version ?? (kind === 'soap11' || kind === 'soap12' ? 'soap11' : 'pox');
    if (version === 'pox') {
      mc.payload.setBodyXml(element('Exception', '', escapeXml(this.poxText(mc))));
      mc.setProperty('messageType', 'application/xml', 'axis2');
    } else {
      const v = version === 'soap12' ? '1.2' : '1.1';
      mc.payload.setRaw(Buffer.from(this.soapFault(mc, v)), soapContentType(v));
      mc.payload.markXmlChanged();
      mc.setProperty('messageType', v === '1.2' ? 'application/soap+xml' : 'text/xml', 'axis2');
    }
    mc.isFault = true;
    if (this.response) mc.props.set('RESPONSE', 'true');
    return true;
  }

  /** The text of a POX fault: the detail's text, else the reason (FaultMediator.makePOXFault). */
  private poxText(mc: MessageContext): string {
    const d = this.detail;
    if (d && 'text' in d) return d.text;
    if (d && 'expression' in d) return d.expression.stringValue(mc);
    return this.reason ? textOf(this.reason, mc) : '';
  }

  private soapFault(mc: MessageContext, v: '1.1' | '1.2'): string {
    const env = soapNs(v);
    const { attr, text } = this.codeText(mc, env);
    const reason = escapeXml(this.reason ? textOf(this.reason, mc) : '');
    const detail = this.detailXml(mc);
    const p = ENV_PREFIX;
    const body =
      v === '1.1'
        ? element('faultcode', attr, text) +
          element('faultstring', '', reason) +
          (this.role !== undefined ? element('faultactor', '', escapeXml(this.role)) : '') +
          (detail !== undefined ? element('detail', '', detail) : '')
        : element(`${p}:Code`, '', element(`${p}:Value`, attr, text)) +
          element(`${p}:Reason`, '', element(`${p}:Text`, ' xml:lang="en"', reason)) +
          (this.node !== undefined ? element(`${p}:Node`, '', escapeXml(this.node)) : '') +
          (this.role !== undefined ? element(`${p}:Role`, '', escapeXml(this.role)) : '') +
          (detail !== undefined ? element(`${p}:Detail`, '', detail) : '');
    return `<${p}:Envelope xmlns:${p}="${env}"><${p}:Body><${p}:Fault>${body}</${p}:Fault></${p}:Body></${p}:Envelope>`;
  }

  /**
   * The fault code as a QName and the declaration it needs. A value keeps its prefix (declared on the code
   * element unless it is the envelope's own binding). An expression's result is a local name in the envelope
   * namespace, as Synapse writes it; a result whose prefix is declared where the expression was written keeps
   * that prefix and namespace (Synapse would write `soapenv:p:name`).
   */
  private codeText(mc: MessageContext, envNs: string): { attr: string; text: string } {
    let code: QualifiedCode;
    if (this.code === undefined) code = { prefix: ENV_PREFIX, local: 'Server', ns: envNs };
    else if ('expression' in this.code) {
      const s = this.code.expression.stringValue(mc);
      const colon = s.indexOf(':');
      const prefix = colon > 0 ? s.slice(0, colon) : undefined;
      const ns = prefix === undefined ? undefined : this.code.namespaces[prefix];
      code = ns !== undefined ? { prefix: prefix!, local: s.slice(colon + 1), ns } : { prefix: ENV_PREFIX, local: s, ns: envNs };
    } else code = this.code;
    const bound = code.prefix === ENV_PREFIX && code.ns === envNs;
    return {
      attr: bound ? '' : ` xmlns:${code.prefix}="${escapeXml(code.ns)}"`,
      text: escapeXml(`${code.prefix}:${code.local}`),
    };
  }

  private detailXml(mc: MessageContext): string | undefined {
    const d = this.detail;
    if (d === undefined) return undefined;
    if ('text' in d) return escapeXml(d.text);
    if ('xml' in d) return d.xml;
    const r = d.expression.evaluate(mc);
    if (Array.isArray(r) && r.every(isNode)) {
      // elements and text nodes are copied; attributes are not nodes of the detail in Axiom
      return r.map((n: Node) => (n.nodeType === 1 ? serializeXml(n) : n.nodeType === 3 || n.nodeType === 4 ? escapeXml(n.nodeValue ?? '') : '')).join('');
    }
    return escapeXml(d.expression.stringValue(mc));
  }
}

function isNode(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && typeof (x as Node).nodeType === 'number';
}

function textOf(t: Text, mc: MessageContext): string {
  return 'value' in t ? t.value : t.expression.stringValue(mc);
}

/** An element as Axiom writes it: empty ones self-closed. */
function element(name: string, attrs: string, content: string): string {
  return content === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`;
}

function parseCode(c: Element, ctx: ParseContext, version: 'soap11' | 'soap12' | 'pox' | undefined): QualifiedCode | ComputedCode {
  const a = ctx.attrs(c, ['value', 'expression']);
  const v = a.get('value');
  const e = a.get('expression');
  if (v === undefined) {
    if (e === undefined) ctx.fail(c, Errors.MISSING_ATTRIBUTE, '<code> needs a value (prefix:name) or an expression');
    return { expression: ctx.expression(c, e!), namespaces: ctx.namespaces(c) };
  }
  const colon = v.indexOf(':');
  if (colon < 0) {
    ctx.fail(c, Errors.FAULT_CODE, `fault code '${v}' is not a QName: write prefix:name with the prefix declared, e.g. value="soap11Env:Server" xmlns:soap11Env="${SOAP11_NS}"`);
  }
  const prefix = v.slice(0, colon);
  const local = v.slice(colon + 1);
  const ns = ctx.namespaces(c)[prefix];
  if (ns === undefined) ctx.fail(c, Errors.FAULT_CODE, `the prefix '${prefix}' of fault code '${v}' is not declared; add xmlns:${prefix}="..." on <code>`);
  // Synapse checks the code against the version, and reads a missing version as soap11
  const rule = version === 'pox' ? undefined : CODES[version ?? 'soap11'];
  if (rule && ns !== rule.ns) {
    ctx.fail(c, Errors.FAULT_CODE, `fault code '${v}' of a ${version ?? 'soap11'} fault must be in the namespace ${rule.ns} (its prefix '${prefix}' is bound to ${ns})` + (version ? '' : '; without a version attribute the fault is soap11'));
  }
  if (rule && !rule.names.includes(local)) {
    ctx.fail(c, Errors.FAULT_CODE, `fault code '${local}' is not a ${version ?? 'soap11'} code; use one of ${rule.names.join(', ')}`);
  }
  return { prefix, local, ns: ns! };
}

function parseText(el: Element, ctx: ParseContext): Text {
  const a = ctx.attrs(el, ['value', 'expression']);
  const value = a.get('value');
  if (value !== undefined) return { value };
  const e = a.get('expression');
  if (e === undefined) ctx.fail(el, Errors.MISSING_ATTRIBUTE, '<reason> needs a value or an expression attribute');
  return { expression: ctx.expression(el, e!) };
}

function parseDetail(el: Element, ctx: ParseContext): Detail {
  const e = ctx.attrs(el, ['expression']).get('expression');
  if (e !== undefined) return { expression: ctx.expression(el, e) };
  const inner = childElements(el);
  if (inner.length) return { xml: inner.map((n) => serializeXml(n)).join('') };
  return { text: el.textContent ?? '' };
}

export const makefault: MediatorDef = {
  tag: 'makefault',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['version', 'response', 'description']);
    const version = a.get('version') as 'soap11' | 'soap12' | 'pox' | undefined;
    if (version !== undefined && !['soap11', 'soap12', 'pox'].includes(version)) ctx.fail(el, Errors.BAD_VALUE, `version must be soap11, soap12 or pox, not '${version}'`);
    const response = a.get('response');
    if (response !== undefined && response !== 'true' && response !== 'false') ctx.fail(el, Errors.BAD_VALUE, `response must be true or false, not '${response}'`);
    let code: QualifiedCode | ComputedCode | undefined;
    let reason: Text | undefined;
    let detail: Detail | undefined;
    let node: string | undefined;
    let role: string | undefined;
    for (const c of childElements(el)) {
      switch (c.localName) {
        case 'code':
          code = parseCode(c, ctx, version);
          break;
        case 'reason':
          reason = parseText(c, ctx);
          break;
        case 'detail':
          detail = parseDetail(c, ctx);
          break;
        case 'node':
          // a SOAP 1.1 fault has no node (Synapse ignores it)
          if (version === 'soap12') node = c.textContent ?? '';
          break;
        case 'role':
          role = c.textContent ?? '';
          break;
        default:
          ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <makefault>; use code, reason, node, role, detail`);
      }
    }
    if (version !== 'pox' && !code) ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'makefault needs a <code> unless version="pox"');
    if (version !== 'pox' && !reason) ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'makefault needs a <reason> unless version="pox"');
    // Synapse marks the fault as a response unless response="false": a following <send/> answers the client
    return new MakefaultMediator(version, code, reason, node, role, detail, response !== 'false');
  },
};
