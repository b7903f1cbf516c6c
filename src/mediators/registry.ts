/**
 * The bundled mediators, built from one list. An element that is not a known mediator is a deploy error:
 * Micro Integrator mediators we do not ship are named as unsupported, anything else as unknown.
 */
import { Errors } from '../errors.js';
import { SYNAPSE_NS } from '../xml/dom.js';
import type { MediatorParser, ParseContext } from '../artifacts/parse-context.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { aggregate } from './aggregate.js';
import { cache } from './cache/cache.js';
import { call } from './call.js';
import { callout } from './callout.js';
import { callTemplate } from './call-template.js';
import { classMediator } from '../handlers/class-mediator.js';
import { clone } from './clone.js';
import { dblookup } from './db/dblookup.js';
import { dbreport } from './db/dbreport.js';
import { drop } from './drop.js';
import { enrich } from './enrich.js';
import { filter } from './filter.js';
import { foreach } from './foreach.js';
import { header } from './header.js';
import { inMediator, outMediator } from './in-out.js';
import { iterate } from './iterate.js';
import { log } from './log.js';
import { loopback } from './loopback.js';
import { makefault } from './makefault.js';
import { payloadFactory } from './payload-factory.js';
import { property } from './property.js';
import { respond } from './respond.js';
import { scatterGather } from './scatter-gather.js';
import { send } from './send.js';
import { sequence } from './sequence-mediator.js';
import { switchMediator } from './switch.js';
import { script } from './script/script.js';
import { xslt } from './xslt/xslt.js';
import { fastXslt } from './xslt/fast-xslt.js';
import { validate } from './validate/validate.js';
import { throttle } from './throttle/throttle.js';

export const BUNDLED_MEDIATORS: readonly MediatorDef[] = [
  aggregate,
  cache,
  call,
  callout,
  callTemplate,
  classMediator,
  clone,
  dblookup,
  dbreport,
  drop,
  enrich,
  filter,
  foreach,
  header,
  inMediator,
  outMediator,
  iterate,
  log,
  loopback,
  makefault,
  payloadFactory,
  property,
  respond,
  scatterGather,
  send,
  sequence,
  switchMediator,
  script,
  xslt,
  fastXslt,
  validate,
  throttle,
];

/** Micro Integrator mediators this runtime does not implement (yet): a precise deploy error, not a skip. */
export const UNSUPPORTED_MEDIATORS = new Set([
  'xquery', 'pojoCommand', 'spring',
  'ejb', 'bean', 'smooks', 'datamapper', 'jsontransform',
  'rule', 'store', 'transaction', 'event', 'entitlementService', 'oauthService', 'builder', 'rewrite',
  'enqueue', 'conditionalRouter', 'router', 'publishEvent', 'ntlm', 'datamapper', 'variable',
  'throwError', 'jsontransform', 'bam', 'kerberos',
]);

export class MediatorRegistry implements MediatorParser {
  private readonly defs = new Map<string, MediatorDef>();
  constructor(defs: readonly MediatorDef[] = BUNDLED_MEDIATORS) {
    for (const d of defs) this.defs.set(d.tag, d);
  }

  register(def: MediatorDef): void {
    this.defs.set(def.tag, def);
  }

  get tags(): string[] {
    return [...this.defs.keys()].sort();
  }

  parseMediator(el: Element, ctx: ParseContext): Mediator | undefined {
    const name = el.localName;
    if (name === 'description' && el.namespaceURI === SYNAPSE_NS) return undefined;
    const def = el.namespaceURI === SYNAPSE_NS || !el.namespaceURI ? this.defs.get(name) : undefined;
    if (def) return def.parse(el, ctx);
    if (UNSUPPORTED_MEDIATORS.has(name)) {
      return ctx.fail(el, Errors.UNKNOWN_MEDIATOR, `the <${name}> mediator is not supported by this runtime`);
    }
    return ctx.fail(el, Errors.UNKNOWN_MEDIATOR, `unknown mediator <${el.tagName}>${el.namespaceURI && el.namespaceURI !== SYNAPSE_NS ? ` in namespace ${el.namespaceURI}` : ''}; supported: ${this.tags.join(', ')}`);
  }
}
