/**
 * <endpoint template="T" [name=".."] [uri=".."]><parameter name="x" value="y"/>*</endpoint>: an endpoint made
 * from an endpoint template (Synapse's TemplateEndpoint). `name` and `uri` are parameters too. When linked,
 * the template's <endpoint> is copied and every attribute value or element text that is exactly `$param`, for
 * a parameter the template declares and this endpoint gives, is replaced (as Template.replaceElement does:
 * `http://host/$path` and ` $uri ` stay as written); the result is parsed as any endpoint, so its problems are
 * deploy errors of the artifact that uses it. One real endpoint per template endpoint, made again only when
 * the template changes: its suspension state lives as long as the template does.
 */
import { ParseAbort, ParseContext, type BindProblem, type KeyRef } from '../artifacts/parse-context.js';
import type { EndpointTemplate } from '../artifacts/endpoint-template.js';
import type { MessageContext } from '../context/message-context.js';
import { Errors } from '../errors.js';
import { observeCompiles, type Expression } from '../expr/expression.js';
import { childElements } from '../xml/dom.js';
import { endpointError, type Endpoint } from './endpoint.js';
import type { ChildParser } from './children.js';
import { withExternalPrefetch } from './external-prefetch.js';
import { INDIRECT_NOT_FOUND } from './indirect.js';

type Binding = { problems: readonly BindProblem[]; refs: readonly { kind: KeyRef['kind']; key: string }[] };

export class TemplateEndpoint implements Endpoint {
  readonly type = 'template';
  private real: Endpoint | undefined;
  private boundTo: EndpointTemplate | undefined;
  private binding: Binding = { problems: [], refs: [] };

  constructor(
    readonly name: string | undefined,
    readonly template: string,
    /** name, uri and the <parameter>s, in that order of precedence (a <parameter> wins). */
    private readonly params: ReadonlyMap<string, string>,
    private readonly parseEndpoint: ChildParser,
  ) {}

  get address(): string | undefined {
    return this.real?.address;
  }

  /** Makes the real endpoint from `template` (again only when the template is a new one). */
  bind(template: EndpointTemplate): Binding {
    if (template === this.boundTo) return this.binding;
    const el = template.element.cloneNode(true) as Element;
    fillIn(el, new Set(template.parameters), this.params);
    const ctx = new ParseContext(template.file, template.mediators, template.home);
    const exprs: Expression[] = [];
    let made: Endpoint | undefined;
    try {
      made = observeCompiles((e) => exprs.push(e), () => this.parseEndpoint(el, ctx));
      ctx.checkVaultLookups(el, exprs);
    } catch (err) {
      if (!(err instanceof ParseAbort)) throw err;
    }
    const problems = ctx.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => ({
        spec: { code: d.code, hint: '' },
        message: `endpoint template '${template.name}' (${d.file}:${d.line}:${d.col}) with these parameters: ${d.message}`,
      }));
    this.binding = { problems, refs: ctx.refs.map((r) => ({ kind: r.kind, key: r.key })) };
    this.boundTo = template;
    if (!problems.length && made) {
      const old = this.real;
      this.real = withExternalPrefetch(made, exprs);
      // the previous one finishes what it has in flight, then lets its connections go
      if (old) void old.close?.().catch(() => {});
    }
    return this.binding;
  }

  async send(mc: MessageContext): Promise<void> {
    if (!this.real) throw endpointError(INDIRECT_NOT_FOUND, `Couldn't find the endpoint with the name ${this.name ?? ''} & template : ${this.template}`);
    await this.real.send(mc);
  }

  ready(mc: MessageContext): boolean {
    return this.real?.ready?.(mc) ?? true;
  }

  close(): Promise<void> {
    return this.real?.close?.() ?? Promise.resolve();
  }
}

/** Template.replaceElement: whole `$param` attribute values and element texts, recursively. */
function fillIn(el: Element, declared: ReadonlySet<string>, params: ReadonlyMap<string, string>): void {
  const value = (v: string): string | undefined => {
    if (!v.startsWith('$')) return undefined;
    const p = v.slice(1);
    return declared.has(p) ? params.get(p) : undefined;
  };
  for (let i = 0; i < el.attributes.length; i++) {
    const at = el.attributes[i]!;
    const v = value(at.value);
    if (v !== undefined) at.value = v;
  }
  let text = '';
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3 || n.nodeType === 4) text += n.nodeValue ?? '';
  const t = text === '' ? undefined : value(text);
  if (t !== undefined) {
    // Axiom's setText replaces every child with the text
    while (el.firstChild) el.removeChild(el.firstChild);
    el.appendChild(el.ownerDocument.createTextNode(t));
    return;
  }
  for (const c of childElements(el)) fillIn(c, declared, params);
}

/** Parses `<endpoint template="..">`; the template itself is wired when linked. */
export function parseTemplateEndpoint(el: Element, ctx: ParseContext, name: string | undefined, parseEndpoint: ChildParser): Endpoint {
  const template = el.getAttribute('template') ?? '';
  if (template.trim() === '') ctx.fail(el, Errors.BAD_VALUE, '<endpoint template=""> needs the name of an endpoint template');
  const params = new Map<string, string>();
  if (name !== undefined) params.set('name', name);
  if (el.hasAttribute('uri')) params.set('uri', el.getAttribute('uri')!);
  for (const c of childElements(el)) {
    if (c.localName === 'description') continue;
    if (c.localName !== 'parameter') {
      ctx.warn(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is ignored in a template endpoint; give values with <parameter name=".." value=".."/>`);
      continue;
    }
    const pa = ctx.attrs(c, ['name', 'value'], ['name', 'value']);
    params.set(pa.req('name'), pa.req('value'));
  }
  const ep = new TemplateEndpoint(name, template, params, parseEndpoint);
  ctx.ref(el, 'endpointTemplate', template, (target) => ep.bind(target as EndpointTemplate));
  return ep;
}
