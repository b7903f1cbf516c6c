/**
 * <call>: send to an endpoint and continue the same sequence with the response (blocking and non-blocking
 * behave alike here: the flow waits without holding a thread). Optional <source> picks what to send and
 * <target> where the response goes (a property keeps the original message in place). Global handlers'
 * request-out and response-in hooks run around the exchange; one that returns false ends the flow with the
 * reply it set.
 */
import type { MessageContext } from '../context/message-context.js';
import { Payload } from '../context/payload.js';
import { Errors, SynapseErrorCodes } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import { EndpointError } from '../endpoints/endpoint.js';
import { childElements, serializeXml, textOf } from '../xml/dom.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { endpointChild } from './endpoint-child.js';
import { sendToAddress } from './to-address.js';
import { propertyString } from '../expr/get-property.js';
import { stringifyJson } from '../json/json-number.js';

interface Source {
  type: 'body' | 'property' | 'custom' | 'inline';
  contentType: string | undefined;
  property?: string;
  xpath?: Expression;
  inline?: string;
}

interface Target {
  type: 'body' | 'property';
  property?: string;
}

class CallMediator implements Mediator {
  readonly tag = 'call';
  readonly contentAware: boolean;
  constructor(
    private readonly endpoint: Endpoint | undefined,
    private readonly source: Source | undefined,
    private readonly target: Target | undefined,
  ) {
    this.contentAware = source?.type === 'custom' || target?.type === 'property';
  }

  async mediate(mc: MessageContext): Promise<boolean> {
    const ep = this.endpoint ?? sendToAddress(mc);
    if (!ep) throw new EndpointError(Errors.NO_ENDPOINT, SynapseErrorCodes.NO_ENDPOINT, `call has no endpoint and the message To '${mc.to ?? ''}' is not an http(s) address`);
    const keep = this.target?.type === 'property' ? { payload: mc.payload, headers: mc.headers, isResponse: mc.isResponse, sc: mc.axis2.get('HTTP_SC') } : undefined;
    if (this.source && this.source.type !== 'body') mc.payload = this.sourcePayload(mc, this.source);
    else if (keep && !mc.payload.isReady) await mc.payload.load();
    // the exchange runs the global request-out and response-in hooks around the endpoint, as for send
    const direction = mc.isResponse;
    if (!(await mc.exchange.call(ep))) return false;
    // the flow keeps its direction with the response as its message (after a call in the in-flow, loopback
    // still runs the out-sequence), and a respond sends the backend's headers back
    mc.isResponse = direction;
    for (const k of mc.headers.keys()) mc.headersSet.add(k);
    if (keep) {
      await mc.payload.load();
      const resp = mc.payload;
      mc.setProperty(this.target!.property!, resp.isJson ? stringifyJson(resp.json()) : resp.kind === 'empty' ? '' : safeText(resp));
      mc.payload = keep.payload;
      mc.headers = keep.headers;
      mc.isResponse = keep.isResponse;
      if (keep.sc === undefined) mc.axis2.delete('HTTP_SC');
      else mc.axis2.set('HTTP_SC', keep.sc);
    }
    return true;
  }

  private sourcePayload(mc: MessageContext, s: Source): Payload {
    let text: string;
    if (s.type === 'property') text = propertyString(mc.getProperty(s.property!));
    else if (s.type === 'custom') {
      const v = s.xpath!.evaluate(mc);
      text = Array.isArray(v) ? v.map((n: Node) => (n.nodeType === 1 ? serializeXml(n) : n.nodeValue ?? '')).join('') : typeof v === 'object' ? stringifyJson(v) : String(v ?? '');
    } else text = s.inline ?? '';
    mc.axis2.delete('messageType');
    return new Payload(s.contentType ?? mc.payload.contentType ?? 'application/xml', Buffer.from(text), mc.runtime.payloadLimits);
  }
}

function safeText(p: Payload): string {
  const el = p.kind === 'soap11' || p.kind === 'soap12' ? p.bodyElement() : undefined;
  return el ? serializeXml(el) : p.text();
}

export const call: MediatorDef = {
  tag: 'call',
  parse(el, ctx) {
    ctx.attrs(el, ['blocking', 'initAxis2ClientOptions', 'description']);
    let source: Source | undefined;
    let target: Target | undefined;
    for (const c of childElements(el)) {
      if (c.localName === 'source') {
        const a = ctx.attrs(c, ['type', 'contentType']);
        const type = (a.get('type') ?? 'custom') as Source['type'];
        if (!['body', 'property', 'custom', 'inline'].includes(type)) ctx.fail(c, Errors.BAD_VALUE, `call source type must be body, property, custom or inline, not '${type}'`);
        source = { type, contentType: a.get('contentType') };
        const t = textOf(c).trim();
        if (type === 'property') source.property = t;
        else if (type === 'custom') source.xpath = ctx.expression(c, t);
        else if (type === 'inline') {
          const inner = childElements(c)[0];
          source.inline = inner ? serializeXml(inner) : t;
        }
      } else if (c.localName === 'target') {
        const a = ctx.attrs(c, ['type']);
        const type = (a.get('type') ?? 'body') as Target['type'];
        if (type !== 'body' && type !== 'property') ctx.fail(c, Errors.BAD_VALUE, `call target type must be body or property, not '${type}'`);
        target = { type, property: type === 'property' ? textOf(c).trim() : undefined };
        if (type === 'property' && !target.property) ctx.fail(c, Errors.MISSING_ATTRIBUTE, 'a property target needs the property name as its text');
      } else if (c.localName !== 'endpoint') {
        ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <call>; use <endpoint>, <source>, <target>`);
      }
    }
    return new CallMediator(endpointChild(el, ctx), source, target);
  },
};
