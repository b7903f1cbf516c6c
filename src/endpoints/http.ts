/**
 * <http uri-template=".." method=".."?>: the URL is built per message from an RFC 6570 template whose
 * variables are default-scope properties (uri.var.*, query.param.*, or any other name), URL-encoded.
 * REST_URL_POSTFIX is not appended: the template is the whole URL, as in Synapse's HTTPEndpoint.
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { MessageContext } from '../context/message-context.js';
import { Errors } from '../errors.js';
import { propertyString } from '../expr/get-property.js';
import { SEND_ERROR_CODE } from './client-errors.js';
import { checkLeafChildren, parseDefinition, type EndpointDefinition } from './definition.js';
import { endpointError } from './endpoint.js';
import { LeafEndpoint } from './leaf.js';
import { compileUrlTemplate, UrlTemplateError, type UrlTemplate } from './url-template.js';
import { isHttpUrl, safeUrl } from './urls.js';

const METHODS = ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'];

export class HttpEndpoint extends LeafEndpoint {
  readonly type = 'http';

  constructor(
    name: string | undefined,
    def: EndpointDefinition,
    private readonly template: UrlTemplate,
    private readonly method: string | undefined,
  ) {
    super(name, def, safeUrl(template.source));
  }

  protected deliver(mc: MessageContext): Promise<void> {
    const url = this.template.expand((n) => {
      const v = mc.props.get(n);
      return v === undefined || v === null ? undefined : propertyString(v);
    });
    if (!isHttpUrl(url)) {
      const what = `HTTP endpoint${this.name ? ' ' + this.name : ''} uri-template '${safeUrl(this.template.source)}'`;
      // the resolved URL may hold a looked-up secret: fault sequences see the template only
      const text = `${what} did not resolve to an http(s) URL`;
      throw endpointError(SEND_ERROR_CODE, `${what} resolved to '${safeUrl(url)}', which is not an http(s) URL`, undefined, { fault: { message: text, detail: text, exception: text } });
    }
    return this.http(mc, url, this.method);
  }
}

export function parseHttp(el: Element, ctx: ParseContext, name: string | undefined): HttpEndpoint {
  const a = ctx.attrs(el, ['uri-template', 'method', 'statistics', 'trace'], ['uri-template']);
  const source = a.req('uri-template').trim();
  let template: UrlTemplate;
  try {
    template = compileUrlTemplate(source);
  } catch (err) {
    if (err instanceof UrlTemplateError) ctx.fail(el, Errors.BAD_URI_TEMPLATE, err.message);
    throw err;
  }
  if (!/^(https?:\/\/|\{)/i.test(source)) ctx.fail(el, Errors.BAD_URI_TEMPLATE, `uri-template '${safeUrl(source)}' must start with http:// or https:// (or a {variable} holding the URL)`);
  const m = a.get('method');
  if (m !== undefined && !METHODS.includes(m.trim().toLowerCase())) ctx.fail(el, Errors.BAD_VALUE, `method must be one of ${METHODS.join(', ')}, not '${m}'`);
  checkLeafChildren(el, ctx);
  return new HttpEndpoint(name, parseDefinition(el, ctx), template, m?.trim().toUpperCase());
}
