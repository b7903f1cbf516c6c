/**
 * <address uri=".." format=".."?>: a fixed backend URL. REST_URL_POSTFIX (the request path after the proxy
 * or API context) is appended, as Synapse does for address endpoints.
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { MessageContext } from '../context/message-context.js';
import { Errors } from '../errors.js';
import { checkLeafChildren, parseDefinition, type EndpointDefinition } from './definition.js';
import { applyFormat, parseFormat, type MessageFormat } from './format.js';
import { LeafEndpoint } from './leaf.js';
import { isHttpUrl, safeUrl, withPostfix } from './urls.js';

export class AddressEndpoint extends LeafEndpoint {
  readonly type = 'address';

  constructor(
    name: string | undefined,
    def: EndpointDefinition,
    private readonly uri: string,
    private readonly format: MessageFormat | undefined,
  ) {
    super(name, def, safeUrl(uri));
  }

  protected deliver(mc: MessageContext): Promise<void> {
    if (this.format) applyFormat(mc, this.format);
    return this.http(mc, withPostfix(this.uri, mc.axis2.get('REST_URL_POSTFIX')), this.format === 'get' ? 'GET' : undefined);
  }
}

export function parseAddress(el: Element, ctx: ParseContext, name: string | undefined): AddressEndpoint {
  const a = ctx.attrs(el, ['uri', 'format', 'optimize', 'encoding', 'statistics', 'trace'], ['uri']);
  const uri = a.req('uri').trim();
  if (!isHttpUrl(uri)) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1];
    if (scheme && !/^https?$/i.test(scheme)) ctx.fail(el, Errors.UNSUPPORTED, `address uri scheme '${scheme}:' is not supported; use an http:// or https:// URL`);
    ctx.fail(el, Errors.BAD_VALUE, `address uri '${safeUrl(uri)}' is not a valid http(s) URL`);
  }
  const format = parseFormat(el, ctx, a.get('format'));
  checkLeafChildren(el, ctx);
  return new AddressEndpoint(name, parseDefinition(el, ctx), uri, format);
}
