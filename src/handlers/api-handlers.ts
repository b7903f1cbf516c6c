/**
 * `<api><handlers><handler class="..."><property .../></handler></handlers>`: each handler is resolved and
 * instantiated at deploy time (once per API deployment), and its hooks are compiled into two chains that
 * run in document order, request and response alike, as Micro Integrator runs them. A handler that cannot
 * be loaded fails the API's deployment, so an API is never served without the handlers it declares.
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import { Errors, MiError } from '../errors.js';
import { childElements } from '../xml/dom.js';
import { BUILTIN_HANDLERS } from './builtins.js';
import type { Handler } from '../context/handler-contract.js';
import { HookChain } from './hook-chain.js';
import { createExtension, type Extension, type ExtensionKind } from './instantiate.js';
import { parseExtensionProperties } from './properties.js';
import type { AccessPolicy } from '../security/policies/access-policy.js';
import { policyForHandlerClass } from '../security/policies/registry.js';

/** Logger of handler failures (the interface's name in Synapse). */
export const HANDLER_LOGGER = 'org.apache.synapse.rest.Handler';

export const API_HANDLER: ExtensionKind = {
  label: 'handler',
  builtins: BUILTIN_HANDLERS,
  methods: ['handleRequest', 'handleResponse'],
  all: false,
};

export interface ApiHandlers {
  readonly handlers: readonly Extension<Handler>[];
  /** handleRequest of those that have it, before resource dispatch. */
  readonly request: HookChain | undefined;
  /** handleResponse of those that have it, before the outSequence or before an in-flow reply leaves. */
  readonly response: HookChain | undefined;
}

/**
 * The `<handlers>` of an API: handlers that declare security (RESTBasicAuthHandler) become access
 * policies, run by the access phase before every handler; the others are instantiated here.
 */
export function parseApiHandlers(el: Element, ctx: ParseContext, apiName: string): { handlers: ApiHandlers | undefined; policies: AccessPolicy[] } {
  ctx.attrs(el, []);
  const loader = ctx.extensions;
  const handlers: Extension<Handler>[] = [];
  const policies: AccessPolicy[] = [];
  for (const c of childElements(el)) {
    if (c.localName !== 'handler') {
      ctx.error(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <handlers>; use <handler class="...">`);
      continue;
    }
    const a = ctx.attrs(c, ['class'], ['class']);
    const spec = a.req('class').trim();
    const policy = policyForHandlerClass(spec);
    if (policy?.parse) {
      const p = policy.parse(c, ctx);
      if (p) policies.push(p);
      continue;
    }
    const props = parseExtensionProperties(c, ctx);
    try {
      handlers.push(createExtension<Handler>(spec, props, API_HANDLER, loader, ctx.file));
    } catch (err) {
      if (!(err instanceof MiError)) throw err;
      // every broken handler is reported (mi validate lists them all); the API does not deploy
      ctx.error(c, err.spec, `handler of API '${apiName}': ${err.message}`);
    }
  }
  if (!handlers.length) return { handlers: undefined, policies };
  const owner = `API '${apiName}'`;
  return {
    handlers: {
      handlers,
      request: HookChain.of(owner, 'handleRequest', HANDLER_LOGGER, handlers),
      response: HookChain.of(owner, 'handleResponse', HANDLER_LOGGER, handlers),
    },
    policies,
  };
}
