/**
 * <failover dynamic="true|false"?>: tries the children in order and moves on when one fails with an
 * endpoint error (connection failure, timeout, suspended), unless that child's <retryConfig> forbids it.
 * dynamic="true" (the default) starts from the first child every time, so traffic returns to the primary
 * as soon as it is ready again; dynamic="false" sticks to the child that last worked. When none is left,
 * the last child's error stands (Synapse sets 303000 only when no child was tried for the message).
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { MessageContext } from '../context/message-context.js';
import { ANONYMOUS_ENDPOINT, EndpointError, type Endpoint } from './endpoint.js';
import { noReadyChild, parseChildEndpoints, type ChildParser } from './children.js';

const FAILOVER_LOGGER = 'org.apache.synapse.endpoints.FailoverEndpoint';

export class FailoverEndpoint implements Endpoint {
  readonly type = 'failover';
  readonly refs: readonly string[];
  private current = 0;
  /** Times a child failed and the next one was tried (the metrics read it when scraped). */
  failovers = 0;

  constructor(
    readonly name: string | undefined,
    readonly children: readonly Endpoint[],
    private readonly dynamic: boolean,
  ) {
    this.refs = children.flatMap((c) => c.refs ?? []);
  }

  ready(mc: MessageContext): boolean {
    return this.children.some((c) => c.ready?.(mc) ?? true);
  }

  async send(mc: MessageContext): Promise<void> {
    // a second attempt must be able to send the body again, so an unread request stream is read first
    if (!mc.payload.isReady) await mc.payload.load();
    const n = this.children.length;
    const start = this.dynamic ? 0 : this.current;
    let last: EndpointError | undefined;
    for (let i = 0; i < n; i++) {
      const idx = (start + i) % n;
      const child = this.children[idx]!;
      if (child.ready && !child.ready(mc)) continue;
      try {
        await child.send(mc);
        this.current = idx;
        return;
      } catch (err) {
        if (!(err instanceof EndpointError) || err.retryDisabled) throw err;
        last = err;
        this.failovers++;
        mc.runtime.logs.get(FAILOVER_LOGGER).warn(`Failover endpoint : ${this.name ?? ANONYMOUS_ENDPOINT} - child endpoint ${child.name ?? ANONYMOUS_ENDPOINT} failed with error code : ${err.synapseCode}, trying the next one`);
      }
    }
    throw noReadyChild(mc, FAILOVER_LOGGER, `Failover endpoint : ${this.name ?? ANONYMOUS_ENDPOINT} - no ready child endpoints`, last);
  }

  async close(): Promise<void> {
    await Promise.all(this.children.map((c) => c.close?.().catch(() => {})));
  }
}

export function parseFailover(el: Element, ctx: ParseContext, name: string | undefined, parseChild: ChildParser): FailoverEndpoint {
  const a = ctx.attrs(el, ['dynamic', 'buildMessage', 'statistics', 'trace']);
  return new FailoverEndpoint(name, parseChildEndpoints(el, ctx, parseChild), a.bool('dynamic', true));
}
