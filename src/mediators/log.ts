/**
 * <log>: Micro Integrator's log lines (simple, headers, full, custom) through the logger
 * org.apache.synapse.mediators.builtin.LogMediator, prefixed with the entry artifact ({proxy:Name}).
 */
import type { MessageContext } from '../context/message-context.js';
import { Errors } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import type { Level } from '../logging/logger.js';
import { maskRequestSecrets } from '../logging/request-secrets.js';
import { stringifyJson } from '../json/json-number.js';
import { childElements, serializeXml, textOf } from '../xml/dom.js';
import type { ParseContext } from '../artifacts/parse-context.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

export const LOG_MEDIATOR_LOGGER = 'org.apache.synapse.mediators.builtin.LogMediator';
const LEVELS = ['simple', 'headers', 'full', 'custom'] as const;
type LogLevel = (typeof LEVELS)[number];
const CATEGORIES: Record<string, Level> = { TRACE: 'TRACE', DEBUG: 'DEBUG', INFO: 'INFO', WARN: 'WARN', ERROR: 'ERROR', FATAL: 'FATAL' };

interface LogProperty {
  name: string;
  value: string | undefined;
  expression: Expression | undefined;
}

class LogMediator implements Mediator {
  readonly tag = 'log';
  readonly contentAware: boolean;
  constructor(
    private readonly level: LogLevel,
    private readonly category: Level,
    private readonly separator: string,
    private readonly message: string | undefined,
    private readonly props: readonly LogProperty[],
  ) {
    this.contentAware = level === 'full' || level === 'headers' || props.some((p) => p.expression?.contentAware);
  }

  mediate(mc: MessageContext): boolean {
    const logger = mc.runtime.logs.get(LOG_MEDIATOR_LOGGER);
    // the per-artifact copy goes out only where API_LOGGER / SERVICE_LOGGER are configured (their own files);
    // otherwise it would only repeat the line in the root appenders
    const name = mc.entry.artifactLogger;
    const artifact = name && mc.runtime.logs.isConfigured(name) ? mc.runtime.logs.get(name) : undefined;
    const main = logger.isEnabled(this.category);
    const own = artifact !== undefined && artifact.isEnabled(this.category);
    if (!main && !own) return true;
    const text = this.format(mc);
    if (main) logger.log(this.category, mc.entry.logPrefix + text, undefined, mc.correlationId);
    // the per-artifact logger (API_LOGGER.<name> / SERVICE_LOGGER.<name>) gets the line without the prefix
    if (own) artifact.log(this.category, text, undefined, mc.correlationId);
    return true;
  }

  /**
   * The line; the request's own credentials are masked where its content is printed (properties, SOAP
   * headers, the payload), not in the fields the runtime writes (To, MessageID, ...).
   */
  format(mc: MessageContext): string {
    const content = (text: string): string => maskRequestSecrets(mc.inbound, text);
    const sep = this.separator;
    const parts: string[] = [];
    if (this.message !== undefined) parts.push(this.message);
    if (this.level === 'simple' || this.level === 'full') {
      parts.push(`To: ${mc.to ?? ''}`);
      if (mc.soapAction) parts.push(`WSAction: ${mc.soapAction}`, `SOAPAction: ${mc.soapAction}`);
      parts.push(`MessageID: ${mc.messageId ?? (mc.messageId = 'urn:uuid:' + mc.correlationId)}`);
      parts.push(`correlation_id: ${mc.correlationId}`);
      parts.push(`Direction: ${mc.isResponse ? 'response' : 'request'}`);
    } else if (this.level === 'headers') {
      parts.push(`correlation_id : ${mc.correlationId}`);
      const h = mc.payload.header();
      if (h) for (const b of childElements(h)) parts.push(`${b.localName} : ${content(textOf(b))}`);
    }
    for (const p of this.props) {
      const v = p.value !== undefined ? p.value : p.expression ? safeValue(p.expression, mc) : '';
      parts.push(`${p.name} = ${content(v)}`);
    }
    if (this.level === 'full') {
      if (mc.payload.isJson) parts.push(`Payload: ${content(stringifyJson(mc.payload.json()))}`);
      else parts.push(`Envelope: ${content(serializeXml(mc.payload.envelope()))}`);
    }
    return parts.join(sep);
  }
}

function safeValue(e: Expression, mc: MessageContext): string {
  try {
    return e.stringValue(mc);
  } catch (err) {
    return `<error: ${(err as Error).message}>`;
  }
}

export const log: MediatorDef = {
  tag: 'log',
  parse(el: Element, ctx: ParseContext): Mediator {
    const a = ctx.attrs(el, ['level', 'category', 'separator', 'description', 'logMessageID', 'logFullPayload']);
    const level = (a.get('level') ?? 'simple') as LogLevel;
    if (!LEVELS.includes(level)) ctx.fail(el, Errors.BAD_VALUE, `Invalid log level '${level}'. Level has to be one of the following : simple, headers, full, custom`);
    const catName = (a.get('category') ?? 'INFO').toUpperCase();
    const category = CATEGORIES[catName];
    if (!category) ctx.fail(el, Errors.BAD_VALUE, `Invalid log category '${catName}'; use one of ${Object.keys(CATEGORIES).join(', ')}`);
    const separator = a.get('separator') ?? ', ';
    const props: LogProperty[] = [];
    let message: string | undefined;
    for (const c of childElements(el)) {
      if (c.localName === 'property') {
        const pa = ctx.attrs(c, ['name', 'value', 'expression', 'type', 'scope', 'description'], ['name']);
        const value = pa.get('value');
        const expr = pa.get('expression');
        if (value === undefined && expr === undefined) ctx.fail(c, Errors.MISSING_ATTRIBUTE, `log property '${pa.req('name')}' needs a value or an expression`);
        props.push({ name: pa.req('name'), value, expression: value === undefined && expr !== undefined ? ctx.expression(c, expr) : undefined });
      } else if (c.localName === 'message') {
        message = textOf(c);
        if (message.includes('${')) ctx.fail(c, Errors.UNSUPPORTED, 'Synapse ${...} expressions in <message> are not supported; use <property expression="..."/>');
      } else {
        ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <log>; use <property> or <message>`);
      }
    }
    return new LogMediator(level, category!, separator, message, props);
  },
};
