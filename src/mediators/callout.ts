/**
 * <callout> (Synapse's CalloutMediator): a blocking call out of band of the message flow. A copy of the message
 * goes to serviceURL, the endpoint named by endpointKey, an inline <endpoint>, or else the message's To; its
 * SOAP body holds what <source> selects (the first element an xpath selects, or the XML a key property or
 * local entry holds), the whole message with type="envelope" or when the payload is JSON. The answer's first
 * body element replaces the node <target xpath> selects, or goes into the <target key> property as XML;
 * without a target the answer's envelope replaces the message's; a JSON answer replaces the payload whatever
 * the target, as Synapse's JsonUtil.cloneJsonPayload does. HTTP_SC is the answer's status. The message keeps
 * its own transport headers unless BLOCKING_SENDER_PRESERVE_REQ_HEADERS is "false".
 *
 * Failures go to the fault handler with Micro Integrator's ERROR_* (callout-failure.ts). The HTTP client and
 * the endpoint are the call mediator's: one pool per endpoint, the same global handler hooks.
 */
import type { MessageContext } from '../context/message-context.js';
import { copyMessage } from '../context/message-copy.js';
import { isTrue } from '../context/truthy.js';
import { Errors, MiError } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { AddressEndpoint } from '../endpoints/address.js';
import { DEFAULT_DEFINITION } from '../endpoints/definition.js';
import { defaultEndpoint } from '../endpoints/default.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import { isHttpUrl, safeUrl } from '../endpoints/urls.js';
import { childElements } from '../xml/dom.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { endpointChild } from './endpoint-child.js';
import { bodyOf } from './split-xml.js';
import { soapFaultFailure, statusFailure, transportFailure } from './callout-failure.js';
import { copyDocument, copyNode } from '../xml/copy.js';

type Source = { kind: 'envelope' } | { kind: 'xpath'; xpath: Expression } | { kind: 'key'; key: string };
type Target = { kind: 'replace' } | { kind: 'xpath'; xpath: Expression } | { kind: 'key'; key: string };

/** The serviceURL endpoint never suspends: Synapse gives it suspend and timeout error codes -1. */
const NEVER: ReadonlySet<number> = new Set([-1]);

class CalloutMediator implements Mediator {
  readonly tag = 'callout';
  readonly contentAware = true;

  constructor(
    private readonly endpoint: Endpoint | undefined,
    private readonly endpointKey: string | undefined,
    private readonly action: string | undefined,
    private readonly source: Source,
    private readonly target: Target,
  ) {}

  async mediate(mc: MessageContext): Promise<boolean> {
    const ep = this.resolveEndpoint(mc);
    const url = ep.address ?? mc.to ?? '';
    const out = copyMessage(mc, this.request(mc), mc.exchange);
    if (this.action !== undefined) out.soapAction = this.action;
    try {
      if (!(await mc.exchange.callFor(ep, out))) {
        mc.reply = out.reply; // a global handler stopped the flow and answered
        return false;
      }
    } catch (err) {
      // the fault handler sees the message that was sent, as Synapse runs it on the callout's copy
      mc.payload = out.payload;
      throw transportFailure(err, url);
    }
    const status = Number(out.axis2.get('HTTP_SC'));
    await out.payload.load();
    const response = out.payload;
    if (status >= 300 && status !== 400 && status !== 500) {
      mc.axis2.set('HTTP_SC', status);
      mc.payload = out.payload;
      throw statusFailure(status, url);
    }
    const fault = response.isJson || response.kind === 'empty' ? undefined : soapFault(response.bodyElement());
    if (fault && isTrue(mc.props.get('FORCE_ERROR_ON_SOAP_FAULT'))) {
      mc.axis2.set('HTTP_SC', status);
      mc.payload = response;
      throw soapFaultFailure(fault, url);
    }
    mc.axis2.set('HTTP_SC', status);
    if (isTrue(mc.props.get('OUT_ONLY'))) return true;
    if (response.isJson) mc.payload = response;
    else this.place(mc, response.kind === 'empty' ? undefined : response.bodyElement(), response);
    if (mc.props.get('BLOCKING_SENDER_PRESERVE_REQ_HEADERS') === 'false') {
      mc.headers = out.headers;
      for (const k of out.headers.keys()) mc.headersSet.add(k);
    }
    return true;
  }

  private resolveEndpoint(mc: MessageContext): Endpoint {
    if (this.endpoint) return this.endpoint;
    if (this.endpointKey !== undefined) {
      const ep = mc.runtime.endpoint(this.endpointKey) as Endpoint | undefined;
      if (!ep) throw new MiError(Errors.MEDIATION_ERROR, `Couldn't find the endpoint named : ${this.endpointKey}`);
      // the blocking sender sends to one address: a group of endpoints is refused, as Synapse does
      if (ep.type === 'failover' || ep.type === 'loadbalance') throw new MiError(Errors.MEDIATION_ERROR, 'Endpoint Type not supported');
      return ep;
    }
    return defaultEndpoint();
  }

  /** The payload sent: the whole message, or the message's envelope with the source element as its body. */
  private request(mc: MessageContext): MessageContext['payload'] {
    if (this.source.kind === 'envelope' || mc.payload.isJson) return mc.payload.copy();
    const element = this.sourceElement(mc);
    const doc = copyDocument(mc.payload.envelope());
    const body = bodyOf(doc);
    for (let n = body.firstChild; n; ) {
      const next = n.nextSibling;
      if (n.nodeType === 1) body.removeChild(n);
      n = next;
    }
    const imported = copyNode(doc, element) as Element;
    // written as <x xmlns=""> inside a Synapse-namespaced artifact: the body has no default namespace to undo
    if (!imported.namespaceURI && imported.getAttribute('xmlns') === '') imported.removeAttribute('xmlns');
    body.appendChild(imported);
    return mc.payload.copy({ envelope: doc });
  }

  private sourceElement(mc: MessageContext): Element {
    const s = this.source;
    if (s.kind === 'key') {
      const v = mc.props.get(s.key) ?? mc.runtime.localEntry(s.key)?.element;
      if (v && typeof v === 'object' && (v as Node).nodeType === 1) return v as Element;
      throw new MiError(Errors.CALLOUT_SOURCE_TARGET, `The property : ${s.key} is not an OMElement`);
    }
    const xpath = (s as { xpath: Expression }).xpath;
    const r = xpath.evaluate(mc);
    const first = Array.isArray(r) ? (r as Node[])[0] : undefined;
    if (first && first.nodeType === 1) return first as Element;
    throw new MiError(Errors.CALLOUT_SOURCE_TARGET, `The evaluation of the XPath expression : ${xpath.source} did not result in an OMElement`);
  }

  /** Puts the answer where the target says. */
  private place(mc: MessageContext, result: Element | undefined, response: MessageContext['payload']): void {
    const t = this.target;
    if (t.kind === 'key') {
      if (result) mc.props.set(t.key, result);
      else mc.props.delete(t.key);
      return;
    }
    if (t.kind === 'replace') {
      mc.payload.setEnvelope(copyDocument(response.envelope()));
      return;
    }
    const r = t.xpath.evaluate(mc);
    const node = Array.isArray(r) ? (r as Node[])[0] : undefined;
    if (!node || !node.parentNode || (node.nodeType !== 1 && node.nodeType !== 3)) {
      throw new MiError(Errors.CALLOUT_SOURCE_TARGET, `Evaluation of target XPath expression : ${t.xpath.source} did not yeild an OMNode`);
    }
    if (!result) throw new MiError(Errors.CALLOUT_SOURCE_TARGET, `The callout response has no body element to put at ${t.xpath.source}`);
    const doc = node.ownerDocument!;
    node.parentNode.replaceChild(copyNode(doc, result), node);
    mc.payload.markXmlChanged();
  }
}

/** The soap:Fault in the answer's body, if it is one. */
function soapFault(el: Element | undefined): Element | undefined {
  return el && el.localName === 'Fault' && /^http:\/\/(schemas\.xmlsoap\.org\/soap\/envelope\/|www\.w3\.org\/2003\/05\/soap-envelope)$/.test(el.namespaceURI ?? '') ? el : undefined;
}

function parseSource(c: Element, ctx: Parameters<MediatorDef['parse']>[1]): Source {
  const a = ctx.attrs(c, ['xpath', 'key', 'type']);
  if (a.get('type') === 'envelope') return { kind: 'envelope' };
  const xpath = a.get('xpath');
  if (xpath !== undefined) return { kind: 'xpath', xpath: ctx.expression(c, xpath) };
  const key = a.get('key');
  if (key !== undefined) return { kind: 'key', key };
  return ctx.fail(c, Errors.MISSING_ATTRIBUTE, "A 'xpath' or 'key' attribute is required for the Callout 'source'");
}

function parseTarget(c: Element, ctx: Parameters<MediatorDef['parse']>[1]): Target {
  const a = ctx.attrs(c, ['xpath', 'key']);
  const xpath = a.get('xpath');
  if (xpath !== undefined) return { kind: 'xpath', xpath: ctx.expression(c, xpath) };
  const key = a.get('key');
  if (key !== undefined) return { kind: 'key', key };
  return ctx.fail(c, Errors.MISSING_ATTRIBUTE, "A 'xpath' or 'key' attribute is required for the Callout 'target'");
}

export const callout: MediatorDef = {
  tag: 'callout',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['serviceURL', 'endpointKey', 'action', 'initAxis2ClientOptions', 'useServerConfig', 'description']);
    const init = a.get('initAxis2ClientOptions');
    // the Axis2 client options a message carries have no counterpart here: either value behaves the same
    if (init !== undefined && !/^(true|false)$/i.test(init)) ctx.fail(el, Errors.BAD_VALUE, "The 'initAxis2ClientOptions' attribute only accepts a boolean value.");
    let source: Source = { kind: 'envelope' };
    let target: Target = { kind: 'replace' };
    for (const c of childElements(el)) {
      switch (c.localName) {
        case 'source':
          source = parseSource(c, ctx);
          break;
        case 'target':
          target = parseTarget(c, ctx);
          break;
        case 'enableSec':
          ctx.fail(c, Errors.CALLOUT_SECURITY, '<enableSec> on a callout is not supported: outgoing WS-Security (Rampart policies) is not implemented; remove it');
          break;
        case 'configuration':
          // an Axis2 client repository and axis2.xml: the HTTP client here needs neither
          ctx.attrs(c, ['axis2xml', 'repository']);
          break;
        case 'endpoint':
        case 'description':
          break;
        default:
          ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <callout>; use <source>, <target>, <endpoint>, <configuration>`);
      }
    }
    const serviceUrl = a.get('serviceURL')?.trim();
    const endpointKey = a.get('endpointKey');
    let endpoint: Endpoint | undefined;
    if (serviceUrl !== undefined) {
      if (/\{system\.prop\./i.test(serviceUrl)) ctx.fail(el, Errors.UNSUPPORTED, `serviceURL '${safeUrl(serviceUrl)}': {system.prop.*} placeholders are not supported (there are no JVM system properties); write the address`);
      if (!isHttpUrl(serviceUrl)) ctx.fail(el, Errors.BAD_VALUE, `serviceURL '${safeUrl(serviceUrl)}' is not an http:// or https:// URL`);
      endpoint = new AddressEndpoint(undefined, { ...DEFAULT_DEFINITION, suspendCodes: NEVER, timeoutCodes: NEVER }, serviceUrl, undefined);
    } else if (endpointKey !== undefined) {
      ctx.ref(el, 'endpoint', endpointKey);
    } else {
      endpoint = endpointChild(el, ctx);
    }
    return new CalloutMediator(endpoint, serviceUrl === undefined ? endpointKey : undefined, a.get('action'), source, target);
  },
};
