/**
 * What a validate mediator checks against a JSON schema, as Synapse takes it: the whole JSON payload, or
 * the text a json-eval() `source` gives read as JSON; nothing at all is `{}`. Anything that is not JSON is
 * Synapse's "Error while validating the JSON Schema" (for JSONPath ...), a fault, not on-fail.
 */
import type { MessageContext } from '../../context/message-context.js';
import { Errors, MiError } from '../../errors.js';
import type { Expression } from '../../expr/expression.js';
import { parseJson } from '../../json/json-number.js';

/** True for a json-eval() expression (Synapse's SynapseJsonPath), false for XPath and property lookups. */
export function isJsonPath(e: Expression): boolean {
  return /^\s*json-eval\(/.test(e.source);
}

export function jsonToValidate(mc: MessageContext, source: Expression | undefined): unknown {
  if (source !== undefined && !isJsonPath(source)) throw new MiError(Errors.VALIDATE_ERROR, 'Could not find the JSONPath evaluator for Source');
  let value: unknown;
  try {
    value = source ? source.evaluate(mc) : mc.payload.json();
    // SynapseJsonPath.stringValueOf gives a string result as it is: it must itself be JSON text
    if (typeof value === 'string') value = value === '' ? undefined : parseJson(value);
  } catch (err) {
    // a payload over the runtime's budgets keeps its own answer (413, 400)
    if (err instanceof MiError && err.spec !== Errors.PAYLOAD_PARSE) throw err;
    throw new MiError(Errors.VALIDATE_ERROR, `Error while validating the JSON Schema${source ? ` for JSONPath ${source.source}` : ''}`, { cause: err });
  }
  return value === undefined ? {} : value;
}
