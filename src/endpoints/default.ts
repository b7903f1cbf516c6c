/**
 * <default format=".."?/>: sends to the message's To address (set by the client, a header mediator or
 * WS-Addressing), when it is an absolute http(s) URL.
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { MessageContext } from '../context/message-context.js';
import { SEND_ERROR_CODE } from './client-errors.js';
import { checkLeafChildren, DEFAULT_DEFINITION, parseDefinition, type EndpointDefinition } from './definition.js';
import { endpointError } from './endpoint.js';
import { applyFormat, parseFormat, type MessageFormat } from './format.js';
import { LeafEndpoint } from './leaf.js';
import { isHttpUrl, safeUrl } from './urls.js';

export class DefaultEndpoint extends LeafEndpoint {
  readonly type = 'default';

  constructor(
    name: string | undefined,
    def: EndpointDefinition,
    private readonly format: MessageFormat | undefined,
  ) {
    super(name, def, undefined);
  }

  /** A format other than rest makes the endpoint content-aware in Synapse: the message is built first. */
  protected override get buildsMessage(): boolean {
    return super.buildsMessage || (this.format !== undefined && this.format !== 'rest');
  }

  protected deliver(mc: MessageContext): Promise<void> {
    const to = mc.to ?? '';
    if (!isHttpUrl(to)) {
      throw endpointError(SEND_ERROR_CODE, `The system cannot infer the transport information from the ${safeUrl(to)} URL.`);
    }
    if (this.format) applyFormat(mc, this.format);
    return this.http(mc, to, this.format === 'get' ? 'GET' : undefined);
  }
}

export function parseDefault(el: Element, ctx: ParseContext, name: string | undefined): DefaultEndpoint {
  const a = ctx.attrs(el, ['format', 'optimize', 'encoding', 'statistics', 'trace']);
  const format = parseFormat(el, ctx, a.get('format'));
  checkLeafChildren(el, ctx);
  return new DefaultEndpoint(name, parseDefinition(el, ctx), format);
}

/** The implicit endpoint never suspends: one failing To address must not block every other. */
const NEVER: ReadonlySet<number> = new Set([-1]);
let implicit: DefaultEndpoint | undefined;

/**
 * The endpoint of a send/call without one. Shared (created on first use) so its connection pools are
 * reused across messages; it holds no per-message state and never suspends. Idle pooled sockets do not keep
 * the process alive.
 */
export function defaultEndpoint(): DefaultEndpoint {
  return (implicit ??= new DefaultEndpoint(undefined, { ...DEFAULT_DEFINITION, suspendCodes: NEVER, timeoutCodes: NEVER }, undefined));
}
