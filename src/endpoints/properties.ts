/**
 * <property name value|expression scope?> children of <endpoint>: set on the message before it is sent
 * (Synapse's endpoint properties), e.g. an axis2 messageType or a transport header for this backend only.
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { MessageContext } from '../context/message-context.js';
import { Errors } from '../errors.js';
import { compileExpression, ExpressionError, type Expression } from '../expr/expression.js';
import type { Endpoint, EndpointType } from './endpoint.js';

type Scope = 'default' | 'transport' | 'axis2' | 'axis2-client';
const SCOPES: readonly Scope[] = ['default', 'transport', 'axis2', 'axis2-client'];

export interface EndpointProperty {
  readonly name: string;
  readonly scope: Scope;
  readonly value: string | undefined;
  readonly expression: Expression | undefined;
}

export function parseEndpointProperty(el: Element, ctx: ParseContext): EndpointProperty {
  const a = ctx.attrs(el, ['name', 'value', 'expression', 'scope'], ['name']);
  const scope = (a.get('scope') ?? 'default').trim() as Scope;
  if (!SCOPES.includes(scope)) ctx.fail(el, Errors.BAD_VALUE, `endpoint property scope must be one of ${SCOPES.join(', ')}, not '${scope}'`);
  const value = a.get('value');
  const expr = a.get('expression');
  if ((value === undefined) === (expr === undefined)) ctx.fail(el, Errors.BAD_VALUE, `endpoint property '${a.req('name')}' needs exactly one of value or expression`);
  let expression: Expression | undefined;
  if (expr !== undefined) {
    try {
      expression = compileExpression(expr, ctx.namespaces(el));
    } catch (err) {
      if (err instanceof ExpressionError) ctx.fail(el, Errors.BAD_XPATH, `endpoint property '${a.req('name')}': ${err.message}`);
      throw err;
    }
  }
  return { name: a.req('name'), scope, value, expression };
}

/** An endpoint with properties: sets them, then hands the message to the endpoint it wraps. */
export class PropertyEndpoint implements Endpoint {
  readonly name: string | undefined;
  readonly type: EndpointType | undefined;
  readonly address: string | undefined;
  readonly refs: readonly string[] | undefined;
  private readonly contentAware: boolean;

  constructor(
    readonly target: Endpoint,
    private readonly properties: readonly EndpointProperty[],
  ) {
    this.name = target.name;
    this.type = target.type;
    this.address = target.address;
    this.refs = target.refs;
    this.contentAware = properties.some((p) => p.expression?.contentAware);
  }

  async send(mc: MessageContext): Promise<void> {
    if (this.contentAware && !mc.payload.isReady) await mc.payload.load();
    for (const p of this.properties) {
      mc.setProperty(p.name, p.expression ? p.expression.stringValue(mc) : p.value, p.scope);
    }
    await this.target.send(mc);
  }

  ready(mc: MessageContext): boolean {
    return this.target.ready?.(mc) ?? true;
  }

  close(): Promise<void> {
    return this.target.close?.() ?? Promise.resolve();
  }
}
