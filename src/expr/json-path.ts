/** json-eval(): JSONPath evaluated on the JSON view of the payload (jsonpath-plus, compiled path cached). */
import { JSONPath } from 'jsonpath-plus';
import type { MessageContext } from '../context/message-context.js';
import { ExpressionError, type Expression } from './compiled-expression.js';
import { isJsonNumber, stringifyJson } from '../json/json-number.js';

/** A json-eval() path as JSONPath writes it. */
export function toPath(path: string): string {
  // Synapse accepts json-eval(.a) and json-eval($.a); a leading '$' is JSONPath's root
  const p = path.trim();
  if (p.startsWith('$')) return p;
  return '$' + (p.startsWith('.') || p.startsWith('[') ? '' : '.') + p;
}

export function jsonString(v: unknown): string {
  if (v === undefined || v === null) return v === null ? 'null' : '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || isJsonNumber(v)) return String(v);
  return stringifyJson(v);
}

export function compileJsonPath(source: string, rawPath: string): Expression {
  const path = toPath(rawPath);
  let segments: string[];
  try {
    segments = JSONPath.toPathArray(path) as string[];
    if (!segments.length || segments[0] !== '$') throw new Error('a JSONPath must start at $');
  } catch (err) {
    throw new ExpressionError(`JSONPath '${rawPath}' does not compile: ${(err as Error).message}`);
  }
  const definite = !/[*?()]|\.\.|,|:/.test(path);
  const evaluate = (mc: MessageContext): unknown => {
    const json = mc.payload.json();
    if (json === undefined) return undefined;
    const res = JSONPath({ path: segments as unknown as string, json: json as object, wrap: true }) as unknown[];
    if (definite) return res.length ? res[0] : undefined;
    return res;
  };
  return {
    source,
    contentAware: true,
    evaluate,
    stringValue(mc) {
      const v = evaluate(mc);
      return v === null ? 'null' : jsonString(v);
    },
    booleanValue(mc) {
      const v = evaluate(mc);
      return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== false && v !== '';
    },
  };
}
