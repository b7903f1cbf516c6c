/** <proxy>: a SOAP/HTTP service at /services/<name>. */
import { Errors } from '../errors.js';
import { parseEndpoint } from '../endpoints/parse.js';
import { IndirectEndpoint } from '../endpoints/indirect.js';
import { childElements, serializeXml, textOf } from '../xml/dom.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import type { ParseContext } from './parse-context.js';
import type { ProxyService, Transport } from './model.js';
import { sequenceSlot } from './parse-sequence.js';
import { parseProxySecurity } from '../security/ws-security/parse-proxy-security.js';
import { proxyAccess } from '../security/policies/ws-security.js';

export function parseTransports(el: Element, ctx: ParseContext, value: string | undefined): Set<Transport> {
  if (value === undefined || value.trim() === '' || value.trim() === 'all') return new Set(['http', 'https']);
  const out = new Set<Transport>();
  for (const t of value.split(/[\s,]+/).filter(Boolean)) {
    if (t === 'http' || t === 'https') out.add(t);
    else ctx.warn(el, Errors.BAD_VALUE, `transport '${t}' is not available here (http, https); ignored`);
  }
  if (!out.size) ctx.fail(el, Errors.BAD_VALUE, `no usable transport in '${value}'; use http and/or https`);
  return out;
}

export function parseProxy(el: Element, ctx: ParseContext): ProxyService {
  const a = ctx.attrs(
    el,
    ['name', 'transports', 'startOnLoad', 'trace', 'statistics', 'pinnedServers', 'serviceGroup', 'description', 'onError'],
    ['name'],
  );
  const name = a.req('name');
  if (!/^[A-Za-z0-9_.\-]+$/.test(name)) ctx.fail(el, Errors.BAD_VALUE, `proxy name '${name}' must use letters, digits, '_', '.', '-' only`);
  const transports = parseTransports(el, ctx, a.get('transports'));
  let inSequence, outSequence, faultSequence;
  let endpoint: Endpoint | undefined;
  let wsdl: ProxyService['wsdl'];
  const parameters = new Map<string, string>();
  const policyEls: Element[] = [];
  let enableSec = false;
  let sawTarget = false;
  for (const c of childElements(el)) {
    switch (c.localName) {
      case 'target': {
        sawTarget = true;
        ctx.attrs(c, ['inSequence', 'outSequence', 'faultSequence', 'endpoint']);
        inSequence = sequenceSlot(c, ctx, 'inSequence', name);
        outSequence = sequenceSlot(c, ctx, 'outSequence', name);
        faultSequence = sequenceSlot(c, ctx, 'faultSequence', name);
        const epEl = childElements(c).find((x) => x.localName === 'endpoint');
        const epKey = c.getAttribute('endpoint');
        if (epEl) endpoint = parseEndpoint(epEl, ctx);
        else if (epKey) {
          ctx.ref(c, 'endpoint', epKey);
          endpoint = new IndirectEndpoint(undefined, epKey, undefined);
        }
        for (const x of childElements(c)) {
          if (!['inSequence', 'outSequence', 'faultSequence', 'endpoint'].includes(x.localName)) {
            ctx.fail(x, Errors.UNKNOWN_ELEMENT, `<${x.localName}> is not allowed in <target>`);
          }
        }
        break;
      }
      case 'publishWSDL': {
        const wa = ctx.attrs(c, ['key', 'uri', 'endpoint', 'preservePolicy']);
        const key = wa.get('key');
        const inline = childElements(c).find((x) => x.localName !== 'resource');
        if (key !== undefined) {
          ctx.ref(c, 'localEntry', key);
          wsdl = { key };
        } else if (inline) {
          wsdl = { inline: serializeXml(inline) };
        } else if (wa.get('uri') !== undefined || wa.get('endpoint') !== undefined) {
          ctx.warn(c, Errors.UNSUPPORTED, 'publishWSDL uri/endpoint is not fetched; ?wsdl answers 404 (use key= or inline WSDL)');
        }
        break;
      }
      case 'policy':
        policyEls.push(c);
        break;
      case 'parameter': {
        const pn = c.getAttribute('name');
        if (!pn) ctx.fail(c, Errors.MISSING_ATTRIBUTE, "<parameter> needs the 'name' attribute");
        parameters.set(pn!, textOf(c).trim() || (childElements(c)[0] ? serializeXml(childElements(c)[0]!) : ''));
        break;
      }
      case 'enableSec':
        enableSec = true;
        break;
      case 'description':
      case 'enableAddressing':
      case 'enableRM':
        break;
      default:
        ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <proxy>`);
    }
  }
  if (!sawTarget) ctx.fail(el, Errors.MISSING_ATTRIBUTE, `proxy '${name}' needs a <target>`);
  const { policies, security } = parseProxySecurity(el, ctx, name, policyEls, enableSec, parameters);
  return {
    kind: 'proxy',
    name,
    file: ctx.file,
    trace: a.get('trace') === 'enable',
    transports,
    startOnLoad: a.bool('startOnLoad', true),
    inSequence,
    outSequence,
    faultSequence,
    endpoint,
    wsdl,
    parameters,
    policies,
    enableSec,
    security,
    access: proxyAccess(security),
  };
}
