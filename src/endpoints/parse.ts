/**
 * <endpoint> -> Endpoint: the root of an endpoint artifact, or inline in a proxy target, send or call.
 * Dispatches on the one kind child (address, http, default, failover, loadbalance), on key /
 * key-expression for a reference, or on template for a template endpoint; <property> children wrap the result.
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import { Errors } from '../errors.js';
import { compileExpression, ExpressionError, type Expression } from '../expr/expression.js';
import { childElements } from '../xml/dom.js';
import { parseAddress } from './address.js';
import { parseDefault } from './default.js';
import type { Endpoint } from './endpoint.js';
import { parseFailover } from './failover.js';
import { parseHttp } from './http.js';
import { IndirectEndpoint } from './indirect.js';
import { parseLoadbalance } from './loadbalance.js';
import { parseEndpointProperty, PropertyEndpoint, type EndpointProperty } from './properties.js';
import { parseTemplateEndpoint } from './template.js';

const KINDS = ['address', 'http', 'default', 'failover', 'loadbalance'] as const;
type Kind = (typeof KINDS)[number];

const UNSUPPORTED: Record<string, string> = {
  wsdl: 'wsdl endpoints are not supported; use an address endpoint',
  recipientlist: 'recipientlist endpoints are not supported; use a clone mediator with one send per recipient',
  session: 'session affinity (<session>) for load balancing is not supported; remove it for plain round robin',
  class: 'class endpoints (Java classes) are not supported',
};

const ALLOWED = [...KINDS, 'property', 'description'].join(', ');

/** Parses an <endpoint> element. `name` overrides the name attribute (e.g. the artifact's key). */
export function parseEndpoint(el: Element, ctx: ParseContext, name?: string): Endpoint {
  if (el.localName !== 'endpoint') ctx.fail(el, Errors.UNKNOWN_ELEMENT, `expected <endpoint>, found <${el.localName}>`);
  const a = ctx.attrs(el, ['name', 'key', 'key-expression', 'template', 'uri', 'onError', 'statistics', 'trace', 'description']);
  const epName = name ?? a.get('name');
  if (a.get('template') !== undefined) return parseTemplateEndpoint(el, ctx, epName, (c, cx) => parseEndpoint(c, cx));
  const key = a.get('key');
  const keyExpr = a.get('key-expression');
  if (key !== undefined || keyExpr !== undefined) return parseReference(el, ctx, epName, key, keyExpr);
  if (a.get('onError') !== undefined) ctx.warn(el, Errors.UNSUPPORTED, 'onError on endpoints is ignored; endpoint errors go to the fault sequence of the caller');

  let ep: Endpoint | undefined;
  const props: EndpointProperty[] = [];
  for (const c of childElements(el)) {
    const n = c.localName;
    if (n === 'description') continue;
    if (n === 'property') props.push(parseEndpointProperty(c, ctx));
    else if (UNSUPPORTED[n]) ctx.fail(c, Errors.UNSUPPORTED, UNSUPPORTED[n]!);
    else if ((KINDS as readonly string[]).includes(n)) {
      if (ep) ctx.fail(c, Errors.UNKNOWN_ELEMENT, `an <endpoint> holds one of ${KINDS.join(', ')}; found a second one, <${n}>`);
      ep = parseKind(n as Kind, c, ctx, epName);
    } else ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${n}> is not allowed in <endpoint> (allowed: ${ALLOWED})`);
  }
  if (!ep) return ctx.fail(el, Errors.BAD_VALUE, `<endpoint> needs one of <${KINDS.join('>, <')}> or a key attribute`);
  return props.length ? new PropertyEndpoint(ep, props) : ep;
}

function parseKind(kind: Kind, el: Element, ctx: ParseContext, name: string | undefined): Endpoint {
  switch (kind) {
    case 'address':
      return parseAddress(el, ctx, name);
    case 'http':
      return parseHttp(el, ctx, name);
    case 'default':
      return parseDefault(el, ctx, name);
    case 'failover':
      return parseFailover(el, ctx, name, (c, cx) => parseEndpoint(c, cx));
    case 'loadbalance':
      return parseLoadbalance(el, ctx, name, (c, cx) => parseEndpoint(c, cx));
  }
}

function parseReference(el: Element, ctx: ParseContext, name: string | undefined, key: string | undefined, keyExpr: string | undefined): Endpoint {
  for (const c of childElements(el)) {
    if (c.localName !== 'description') ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in an <endpoint> with a key; the referenced endpoint holds its definition`);
  }
  if (key !== undefined && keyExpr !== undefined) ctx.fail(el, Errors.BAD_VALUE, '<endpoint> takes key or key-expression, not both');
  if (key !== undefined) {
    if (key.trim() === '') ctx.fail(el, Errors.BAD_VALUE, '<endpoint key=""> needs the name of an endpoint');
    if (name !== undefined && name === key) ctx.fail(el, Errors.BAD_VALUE, `endpoint '${name}' refers to itself`);
    ctx.ref(el, 'endpoint', key);
    return new IndirectEndpoint(name, key, undefined);
  }
  let expression: Expression;
  try {
    expression = compileExpression(keyExpr!, ctx.namespaces(el));
  } catch (err) {
    if (err instanceof ExpressionError) ctx.fail(el, Errors.BAD_XPATH, `key-expression: ${err.message}`);
    throw err;
  }
  return new IndirectEndpoint(name, undefined, expression);
}
