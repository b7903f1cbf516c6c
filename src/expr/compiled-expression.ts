/** The compiled-expression contract every expression kind implements (XPath, JSONPath, property lookups). */
import type { MessageContext } from '../context/message-context.js';

export interface Expression {
  readonly source: string;
  /** True when evaluation needs the message body (the payload must be loaded first). */
  readonly contentAware: boolean;
  /** True when it calls hashicorp:vault-lookup, whose values are fetched before evaluation (network I/O). */
  readonly externalLookups?: boolean;
  /** Secure vault aliases written as literals in wso2:vault-lookup('alias'), checked at deploy time. */
  readonly vaultAliases?: readonly string[];
  /** Synapse's string value: node-sets concatenate the text of every node. */
  stringValue(mc: MessageContext): string;
  booleanValue(mc: MessageContext): boolean;
  /** The raw result: DOM nodes (array), string, number, boolean, or a JSON value for json-eval. */
  evaluate(mc: MessageContext): unknown;
}

export class ExpressionError extends Error {}
