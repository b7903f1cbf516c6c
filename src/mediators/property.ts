/** <property>: set or remove a property in any scope, from a value, an expression or inline XML. */
import type { MessageContext, PropertyScope } from '../context/message-context.js';
import { WRITE_SCOPES } from '../context/message-context.js';
import { Errors, MiError } from '../errors.js';
import type { DynamicValue, Expression } from '../expr/expression.js';
import { firstChildElement } from '../xml/dom.js';
import type { ParseContext } from '../artifacts/parse-context.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { convertProperty, PROPERTY_TYPES, PropertyTypeError, type PropertyType } from './property-types.js';

class PropertyMediator implements Mediator {
  readonly tag = 'property';
  readonly contentAware: boolean;
  constructor(
    private readonly name: DynamicValue,
    private readonly scope: PropertyScope,
    private readonly remove: boolean,
    private readonly type: PropertyType,
    private readonly staticValue: unknown,
    private readonly expression: Expression | undefined,
    private readonly pattern: RegExp | undefined,
    private readonly group: number,
  ) {
    this.contentAware = (expression?.contentAware ?? false) || name.contentAware;
  }

  mediate(mc: MessageContext): boolean {
    const name = this.name.resolve(mc);
    if (this.remove) {
      mc.removeProperty(name, this.scope);
      return true;
    }
    let value: unknown = this.staticValue;
    if (this.expression) {
      if (this.type === 'OM') {
        const r = this.expression.evaluate(mc);
        value = Array.isArray(r) ? r[0] : convertOrFault(String(r ?? ''), 'OM');
      } else {
        const s = this.expression.stringValue(mc);
        // Synapse applies the pattern to String results only (after the type conversion)
        value = this.type === 'STRING' ? (this.pattern ? applyPattern(s, this.pattern, this.group) : s) : convertOrFault(s, this.type);
      }
    }
    mc.setProperty(name, value, this.scope);
    return true;
  }
}

function applyPattern(s: string, re: RegExp, group: number): string {
  const m = re.exec(s);
  return m && m[group] !== undefined ? m[group]! : '';
}

function convertOrFault(s: string, type: PropertyType): unknown {
  try {
    return convertProperty(s, type, true);
  } catch (err) {
    if (err instanceof PropertyTypeError) {
      throw new MiError(Errors.PROPERTY_TYPE, `Unknown type : ${type} for the property mediator or the property value cannot be converted into the specified type: ${err.message}`);
    }
    throw err;
  }
}

export const property: MediatorDef = {
  tag: 'property',
  parse(el: Element, ctx: ParseContext): Mediator {
    const a = ctx.attrs(el, ['name', 'action', 'type', 'value', 'expression', 'scope', 'pattern', 'group', 'description'], ['name']);
    const action = (a.get('action') ?? 'set').trim();
    if (action !== 'set' && action !== 'remove') ctx.fail(el, Errors.BAD_VALUE, `action must be 'set' or 'remove', not '${action}'`);
    const scope = (a.get('scope') ?? 'default').trim() as PropertyScope;
    if (!WRITE_SCOPES.includes(scope)) {
      ctx.fail(el, Errors.BAD_VALUE, `unsupported scope '${scope}' for a property mediator; use one of ${WRITE_SCOPES.join(', ')} (env and file are read-only scopes of get-property)`);
    }
    const type = (a.get('type') ?? 'STRING').trim().toUpperCase() as PropertyType;
    if (!PROPERTY_TYPES.includes(type)) ctx.fail(el, Errors.BAD_VALUE, `unknown property type '${type}'; use one of ${PROPERTY_TYPES.join(', ')}`);
    const name = ctx.dynamic(el, a.req('name'));
    const remove = action === 'remove';
    let staticValue: unknown;
    let expression: Expression | undefined;
    const inline = firstChildElement(el);
    const value = a.get('value');
    const expr = a.get('expression');
    if (!remove) {
      if (value !== undefined) {
        try {
          staticValue = convertProperty(value, type, false);
        } catch (err) {
          if (err instanceof PropertyTypeError) ctx.fail(el, Errors.BAD_VALUE, `value cannot be converted to ${type}: ${err.message}`);
          throw err;
        }
      } else if (expr !== undefined) {
        expression = ctx.expression(el, expr);
      } else if (inline) {
        staticValue = inline;
      } else {
        ctx.fail(el, Errors.MISSING_ATTRIBUTE, `property '${a.req('name')}' needs a value, an expression or an inline XML child`);
      }
    }
    let pattern: RegExp | undefined;
    let group = 0;
    const p = a.get('pattern');
    const g = a.get('group');
    if (g !== undefined && p === undefined) ctx.fail(el, Errors.BAD_VALUE, "'group' needs a 'pattern'");
    if (p !== undefined) {
      try {
        pattern = new RegExp(`^(?:${p})$`, 's');
      } catch (err) {
        ctx.fail(el, Errors.BAD_VALUE, `pattern is not a valid regular expression: ${(err as Error).message}`);
      }
      if (g !== undefined) {
        group = Number(g);
        if (!Number.isInteger(group) || group < 0) ctx.fail(el, Errors.BAD_VALUE, `group must be a non-negative integer, not '${g}'`);
      }
      // a capture group index counts the wrapper (?:...) as non-capturing, so numbering is unchanged
    }
    // a static String value goes through the pattern too (the result is the same for every message)
    if (pattern && typeof staticValue === 'string') staticValue = applyPattern(staticValue, pattern, group);
    return new PropertyMediator(name, scope, remove, type, staticValue, expression, pattern, group);
  },
};
