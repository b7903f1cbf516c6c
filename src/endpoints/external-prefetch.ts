/**
 * A named endpoint whose own expressions call hashicorp:vault-lookup (e.g. `{hashicorp:vault-lookup(..)}`
 * in its address). A mediator's prefetch step only knows the expressions written inside it, not those of
 * an endpoint it refers to by key, so the endpoint fetches its own lookups before each send; a value
 * already fetched for the message (or still cached) costs no call.
 */
import type { MessageContext } from '../context/message-context.js';
import type { Expression } from '../expr/expression.js';
import type { Endpoint } from './endpoint.js';

class PrefetchingEndpoint implements Endpoint {
  constructor(
    private readonly inner: Endpoint,
    private readonly external: readonly Expression[],
  ) {}

  get name() {
    return this.inner.name;
  }
  get refs() {
    return this.inner.refs;
  }
  get type() {
    return this.inner.type;
  }
  get address() {
    return this.inner.address;
  }

  async send(mc: MessageContext): Promise<void> {
    await mc.runtime.secrets.prefetchExternal?.(this.external, mc);
    return this.inner.send(mc);
  }

  ready(mc: MessageContext): boolean {
    return this.inner.ready?.(mc) ?? true;
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

/** `endpoint` itself when none of `exprs` (compiled while parsing it) looks up an external vault. */
export function withExternalPrefetch(endpoint: Endpoint, exprs: readonly Expression[]): Endpoint {
  const external = exprs.filter((e) => e.externalLookups);
  return external.length ? new PrefetchingEndpoint(endpoint, external) : endpoint;
}
