/**
 * <header>: set or remove a SOAP header block (default scope), an HTTP header (scope="transport"), or a
 * WS-Addressing field (To, Action, MessageID, ...) which Synapse keeps on the message itself.
 */
import type { MessageContext } from '../context/message-context.js';
import { setAddressingField } from '../context/addressing.js';
import { escapeXml } from '../context/soap.js';
import { Errors } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { childElements, parseXml, serializeXml } from '../xml/dom.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { copyNode } from '../xml/copy.js';

const ADDRESSING = new Set(['To', 'From', 'Action', 'ReplyTo', 'FaultTo', 'RelatesTo', 'MessageID']);

class HeaderMediator implements Mediator {
  readonly tag = 'header';
  readonly contentAware: boolean;
  constructor(
    private readonly local: string,
    private readonly ns: string | undefined,
    private readonly prefix: string | undefined,
    private readonly scope: 'default' | 'transport',
    private readonly remove: boolean,
    private readonly value: string | undefined,
    private readonly expression: Expression | undefined,
    private readonly inline: string | undefined,
  ) {
    const addressing = scope === 'default' && !ns && ADDRESSING.has(local);
    this.contentAware = (scope === 'default' && !addressing) || (expression?.contentAware ?? false);
  }

  private valueOf(mc: MessageContext): string {
    return this.value ?? this.expression?.stringValue(mc) ?? '';
  }

  mediate(mc: MessageContext): boolean {
    if (this.scope === 'transport') {
      if (this.remove) mc.removeProperty(this.local, 'transport');
      else mc.setProperty(this.local, this.valueOf(mc), 'transport');
      return true;
    }
    if (!this.ns && ADDRESSING.has(this.local)) {
      setAddressingField(mc, this.local, this.remove ? undefined : this.valueOf(mc));
      return true;
    }
    const env = mc.payload.envelope();
    const root = env.documentElement;
    let header = mc.payload.header();
    if (this.remove) {
      if (!header) return true;
      for (const b of childElements(header)) {
        if (b.localName === this.local && (b.namespaceURI ?? undefined) === this.ns) header.removeChild(b);
      }
      mc.payload.markXmlChanged();
      return true;
    }
    if (!header) {
      header = env.createElementNS(root.namespaceURI, `${root.prefix ? root.prefix + ':' : ''}Header`);
      root.insertBefore(header, root.firstChild);
    }
    const xml = this.inline ?? `<${this.prefix ? this.prefix + ':' : ''}${this.local} xmlns${this.prefix ? ':' + this.prefix : ''}="${escapeXml(this.ns ?? '')}">${escapeXml(this.valueOf(mc))}</${this.prefix ? this.prefix + ':' : ''}${this.local}>`;
    // Synapse's addHeaderBlock appends: a block of the same name already there stays (remove it first to replace)
    header.appendChild(copyNode(env, parseXml(xml).documentElement));
    mc.payload.markXmlChanged();
    return true;
  }
}

export const header: MediatorDef = {
  tag: 'header',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['name', 'value', 'expression', 'action', 'scope', 'description']);
    const action = a.get('action') ?? 'set';
    if (action !== 'set' && action !== 'remove') ctx.fail(el, Errors.BAD_VALUE, `action must be 'set' or 'remove', not '${action}'`);
    const scope = a.get('scope') ?? 'default';
    if (scope !== 'default' && scope !== 'transport') ctx.fail(el, Errors.BAD_VALUE, `scope must be 'default' or 'transport', not '${scope}'`);
    const inlineEl = childElements(el)[0];
    const name = a.get('name');
    if (inlineEl && name === undefined) {
      return new HeaderMediator(inlineEl.localName, inlineEl.namespaceURI ?? undefined, undefined, 'default', action === 'remove', undefined, undefined, serializeXml(inlineEl));
    }
    if (name === undefined) return ctx.fail(el, Errors.MISSING_ATTRIBUTE, "<header> needs the 'name' attribute or an inline header element");
    const colon = name.indexOf(':');
    const prefix = colon < 0 ? undefined : name.slice(0, colon);
    const local = colon < 0 ? name : name.slice(colon + 1);
    let ns: string | undefined;
    if (prefix) {
      ns = ctx.namespaces(el)[prefix];
      if (ns === undefined) ctx.fail(el, Errors.BAD_VALUE, `the prefix '${prefix}' of header '${name}' is not declared`);
    } else if (scope === 'default' && !ADDRESSING.has(local)) {
      ctx.fail(el, Errors.BAD_VALUE, `SOAP header '${name}' must be namespace qualified (prefix:name with xmlns:prefix declared), or use scope="transport"`);
    }
    const value = a.get('value');
    const expr = a.get('expression');
    if (action === 'set' && value === undefined && expr === undefined) ctx.fail(el, Errors.MISSING_ATTRIBUTE, `header '${name}' needs a value or an expression`);
    return new HeaderMediator(local, ns, prefix, scope as 'default' | 'transport', action === 'remove', value, value === undefined && expr !== undefined ? ctx.expression(el, expr) : undefined, undefined);
  },
};
