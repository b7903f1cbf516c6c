/**
 * The JSON side of splitting: JSONPath matches with their places (to replace them), for json-eval()
 * expressions of iterate, foreach and aggregate. Paths are those of json-eval(), compiled once at deploy.
 */
import { JSONPath } from 'jsonpath-plus';
import { toPath } from '../expr/json-path.js';
import type { Expression } from '../expr/expression.js';
import { Errors, MiError } from '../errors.js';

const JSON_EVAL = /^\s*json-eval\(([\s\S]*)\)\s*$/;

export interface JsonSplitPath {
  readonly source: string;
  readonly path: string;
  /** No wildcard, filter, recursion or union: selects at most one value. */
  readonly definite: boolean;
}

/** The JSONPath of a json-eval() expression, or undefined for XPath and property expressions. */
export function jsonSplitPath(expr: Expression): JsonSplitPath | undefined {
  const m = JSON_EVAL.exec(expr.source);
  if (!m) return undefined;
  const path = toPath(m[1]!.trim());
  return { source: m[1]!.trim(), path, definite: !/[*?()]|\.\.|,|:/.test(path) };
}

interface Match {
  value: unknown;
  parent: unknown;
  parentProperty: string | number | null;
}

export function jsonMatches(json: unknown, p: JsonSplitPath): Match[] {
  if (json === undefined) return [];
  return JSONPath({ path: p.path, json: json as object, resultType: 'all', wrap: true }) as Match[];
}

/**
 * The values a split iterates over: the elements of the array a definite path selects (it must be an array),
 * or every match of a path with wildcards or filters.
 */
export function splitValues(json: unknown, p: JsonSplitPath): unknown[] {
  const matches = jsonMatches(json, p);
  if (!p.definite) return matches.map((m) => m.value);
  const v = matches[0]?.value;
  if (!Array.isArray(v)) {
    throw new MiError(Errors.SPLIT_NOT_ARRAY, `JSON element expressed by the path ${p.source} is not a valid JSON array that can be iterated`);
  }
  return v;
}

/** Replaces every match of `p` in `root` by `value` (copied per match); returns the new root ($ replaces the whole). */
export function replaceAt(root: unknown, p: JsonSplitPath, value: () => unknown): { root: unknown; found: boolean } {
  const matches = jsonMatches(root, p);
  let found = false;
  for (const m of matches) {
    found = true;
    if (m.parent === null || m.parent === undefined) return { root: value(), found };
    (m.parent as Record<string | number, unknown>)[m.parentProperty as string | number] = value();
  }
  return { root, found };
}
