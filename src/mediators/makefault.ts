/** <makefault>: replace the message with a SOAP 1.1 / 1.2 fault (or a POX error) built from its parts. */
import type { MessageContext } from '../context/message-context.js';
import { escapeXml, soapContentType, soapNs } from '../context/soap.js';
import { Errors } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { childElements, serializeXml, SOAP11_NS, SOAP12_NS } from '../xml/dom.js';
import type { ParseContext } from '../artifacts/parse-context.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

interface Part {
  value: string | undefined;
  expression: Expression | undefined;
}

interface Code {
  local: string;
  ns: string | undefined;
}

class MakefaultMediator implements Mediator {
  readonly tag = 'makefault';
  readonly contentAware: boolean;
  constructor(
    private readonly version: 'soap11' | 'soap12' | 'pox' | undefined,
    private readonly code: Code | Expression,
    private readonly reason: Part,
    private readonly node: string | undefined,
    private readonly role: string | undefined,
    private readonly detail: Part | undefined,
    private readonly response: boolean,
  ) {
    this.contentAware = true;
  }

  private text(p: Part, mc: MessageContext): string {
    return p.value ?? p.expression?.stringValue(mc) ?? '';
  }

  mediate(mc: MessageContext): boolean {
    // no version: the SOAP version of the message, or a POX fault for POX/REST/JSON and GET messages (as Synapse)
    const kind = mc.payload.kind;
    const version = this.version ?? (kind === 'soap12' ? 'soap12' : kind === 'soap11' ? 'soap11' : 'pox');
    const reason = escapeXml(this.text(this.reason, mc));
    const detail = this.detail ? (this.detail.value !== undefined ? this.detail.value : escapeXml(this.text(this.detail, mc))) : undefined;
    if (version === 'pox') {
      mc.payload.setBodyXml(`<Exception>${reason}</Exception>`);
      mc.setProperty('messageType', 'application/xml', 'axis2');
    } else {
      const v = version === 'soap12' ? '1.2' : '1.1';
      const env = soapNs(v);
      let codeXml: string;
      if ('stringValue' in this.code) {
        codeXml = escapeXml(this.code.stringValue(mc));
      } else {
        const c = this.code;
        codeXml = c.ns === undefined || c.ns === SOAP11_NS || c.ns === SOAP12_NS ? `soapenv:${c.local}` : `fc:${c.local}`;
      }
      const fcNs = !('stringValue' in this.code) && this.code.ns && this.code.ns !== SOAP11_NS && this.code.ns !== SOAP12_NS ? ` xmlns:fc="${escapeXml(this.code.ns)}"` : '';
      const xml =
        v === '1.1'
          ? `<soapenv:Envelope xmlns:soapenv="${env}"><soapenv:Body><soapenv:Fault><faultcode${fcNs}>${codeXml}</faultcode><faultstring>${reason}</faultstring>` +
            (this.role ? `<faultactor>${escapeXml(this.role)}</faultactor>` : '') +
            (detail !== undefined ? `<detail>${detail}</detail>` : '') +
            `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`
          : `<soapenv:Envelope xmlns:soapenv="${env}"><soapenv:Body><soapenv:Fault><soapenv:Code><soapenv:Value${fcNs}>${codeXml}</soapenv:Value></soapenv:Code>` +
            `<soapenv:Reason><soapenv:Text xml:lang="en">${reason}</soapenv:Text></soapenv:Reason>` +
            (this.node ? `<soapenv:Node>${escapeXml(this.node)}</soapenv:Node>` : '') +
            (this.role ? `<soapenv:Role>${escapeXml(this.role)}</soapenv:Role>` : '') +
            (detail !== undefined ? `<soapenv:Detail>${detail}</soapenv:Detail>` : '') +
            `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
      mc.payload.setRaw(Buffer.from(xml), soapContentType(v));
      mc.payload.markXmlChanged();
      mc.setProperty('messageType', v === '1.2' ? 'application/soap+xml' : 'text/xml', 'axis2');
    }
    mc.isFault = true;
    if (this.response) mc.props.set('RESPONSE', 'true');
    return true;
  }
}

function part(el: Element, ctx: ParseContext, what: string): Part {
  const a = ctx.attrs(el, ['value', 'expression']);
  const value = a.get('value');
  const expr = a.get('expression');
  if (value === undefined && expr === undefined) {
    const inner = childElements(el);
    if (inner.length) return { value: inner.map((e) => serializeXml(e)).join(''), expression: undefined };
    const t = el.textContent ?? '';
    if (t.trim() !== '') return { value: escapeXml(t), expression: undefined };
    ctx.fail(el, Errors.MISSING_ATTRIBUTE, `<${what}> needs a value or an expression`);
  }
  return { value, expression: value === undefined ? ctx.expression(el, expr!) : undefined };
}

export const makefault: MediatorDef = {
  tag: 'makefault',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['version', 'response', 'description']);
    const version = a.get('version') as 'soap11' | 'soap12' | 'pox' | undefined;
    if (version !== undefined && !['soap11', 'soap12', 'pox'].includes(version)) ctx.fail(el, Errors.BAD_VALUE, `version must be soap11, soap12 or pox, not '${version}'`);
    let code: Code | Expression | undefined;
    let reason: Part | undefined;
    let detail: Part | undefined;
    let node: string | undefined;
    let role: string | undefined;
    for (const c of childElements(el)) {
      switch (c.localName) {
        case 'code': {
          const ca = ctx.attrs(c, ['value', 'expression']);
          const v = ca.get('value');
          const e = ca.get('expression');
          if (v !== undefined) {
            const colon = v.indexOf(':');
            const prefix = colon < 0 ? undefined : v.slice(0, colon);
            const ns = prefix ? ctx.namespaces(c)[prefix] : undefined;
            if (prefix && ns === undefined) ctx.fail(c, Errors.BAD_VALUE, `the prefix '${prefix}' of fault code '${v}' is not declared`);
            code = { local: colon < 0 ? v : v.slice(colon + 1), ns };
          } else if (e !== undefined) code = ctx.expression(c, e);
          else ctx.fail(c, Errors.MISSING_ATTRIBUTE, '<code> needs a value or an expression');
          break;
        }
        case 'reason':
          reason = part(c, ctx, 'reason');
          break;
        case 'detail':
          detail = part(c, ctx, 'detail');
          break;
        case 'node':
          node = c.textContent ?? '';
          break;
        case 'role':
          role = c.textContent ?? '';
          break;
        default:
          ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <makefault>; use code, reason, node, role, detail`);
      }
    }
    if (version !== 'pox' && !code) ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'makefault needs a <code>');
    if (!reason) ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'makefault needs a <reason>');
    return new MakefaultMediator(version, code ?? { local: 'Server', ns: undefined }, reason!, node, role, detail, a.bool('response', false));
  },
};
