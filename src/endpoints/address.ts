/**
 * <address uri=".." format=".."?>: a fixed backend URL. REST_URL_POSTFIX (the request path after the proxy
 * or API context) is appended, as Synapse does for address endpoints.
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { MessageContext } from '../context/message-context.js';
import { Errors, SynapseErrorCodes } from '../errors.js';
import { compileTextTemplate, type DynamicValue } from '../expr/expression.js';
import { endpointError } from './endpoint.js';
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
    /** `{expression}` parts in the uri (e.g. a vault-lookup), resolved per message. */
    private readonly template?: DynamicValue,
  ) {
    super(name, def, safeUrl(uri));
  }

  /** A format other than rest makes the endpoint content-aware in Synapse: the message is built first. */
  protected override get buildsMessage(): boolean {
    return super.buildsMessage || (this.format !== undefined && this.format !== 'rest');
  }

  protected deliver(mc: MessageContext): Promise<void> {
    if (this.format) applyFormat(mc, this.format);
    const method = this.format === 'get' ? 'GET' : undefined;
    const postfix = mc.axis2.get('REST_URL_POSTFIX');
    if (!this.template) return this.http(mc, withPostfix(this.uri, postfix), method);
    const url = this.template.resolve(mc);
    if (!isHttpUrl(url)) throw endpointError(SynapseErrorCodes.SENDER_IO_ERROR_SENDING, `address uri ${safeUrl(this.uri)} did not resolve to an http(s) URL`);
    // errors show the template, never the resolved value (it may hold a secret)
    return this.http(mc, withPostfix(url, postfix), method, withPostfix(safeUrl(this.uri), postfix));
  }
}

export function parseAddress(el: Element, ctx: ParseContext, name: string | undefined): AddressEndpoint {
  const a = ctx.attrs(el, ['uri', 'format', 'optimize', 'encoding', 'statistics', 'trace'], ['uri']);
  const uri = a.req('uri').trim();
  const template = uri.includes('{') ? compileTextTemplate(uri, ctx.namespaces(el)) : undefined;
  if (template) {
    if (!/^https?:\/\//i.test(uri)) ctx.fail(el, Errors.BAD_VALUE, `address uri '${safeUrl(uri)}' must start with http:// or https://`);
    checkLeafChildren(el, ctx);
    return new AddressEndpoint(name, parseDefinition(el, ctx), uri, parseFormat(el, ctx, a.get('format')), template);
  }
  if (!isHttpUrl(uri)) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1];
    if (scheme && !/^https?$/i.test(scheme)) ctx.fail(el, Errors.UNSUPPORTED, `address uri scheme '${scheme}:' is not supported; use an http:// or https:// URL`);
    ctx.fail(el, Errors.BAD_VALUE, `address uri '${safeUrl(uri)}' is not a valid http(s) URL`);
  }
  const format = parseFormat(el, ctx, a.get('format'));
  checkLeafChildren(el, ctx);
  return new AddressEndpoint(name, parseDefinition(el, ctx), uri, format);
}
