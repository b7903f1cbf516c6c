/**
 * Micro Integrator's words for a JSON Schema failure. Its validate mediator runs java-json-tools'
 * json-schema-validator (fge) and sets ERROR_MESSAGE to the first message of the report and ERROR_DETAIL
 * to "Error while validating Json message " + that message's toString(). This turns ajv's errors (all of
 * them, verbose) into fge's messages and picks the one fge reports first:
 *
 * - fge validates an instance node's keywords in alphabetical order, then (only while the report is still
 *   clean) its children: object members in name order, array items by index. So its first message is the
 *   first in that pre-order; after it, only later siblings of the nodes on its path are looked at.
 * - anyOf, oneOf and allOf are one message each, with the reports of every branch ("reports"); ajv's
 *   branch errors are gathered under them by schema path (a branch that is a local $ref by the referenced
 *   path), and allOf's message, which ajv does not make, is made here.
 * - Texts, argument names and argument order are fge's (validation.properties and its keyword validators).
 *   Keywords fge does not know (draft 6 and later: const, contains, if/then/else, ...) keep ajv's message.
 */
import type { ErrorObject } from 'ajv';
import { isJsonNumber } from '../../json/json-number.js';

/** One fge ProcessingMessage. */
interface Msg {
  path: readonly string[];
  pointer: string;
  loadingUri: string;
  schemaPointer: string;
  keyword: string;
  message: string;
  /** Fields fge put before the message (a format's attribute), and after it. */
  pre?: [string, unknown][];
  args: [string, unknown][];
}

/** An ajv error, or a combinator gathered with the errors of its branches. */
interface Item {
  e: ErrorObject;
  /** Branch index -> the items of that branch (anyOf, oneOf, allOf). */
  branches?: Map<number, Item[]>;
  nrSchemas?: number;
}

export interface FgeProblem {
  /** ERROR_MESSAGE. */
  readonly message: string;
  /** fge's ProcessingMessage.toString() of it (ERROR_DETAIL after Synapse's prefix). */
  readonly detail: string;
}

/** The first message fge would report for these errors of `data` against `root` (the schema). */
export function firstFgeProblem(errors: readonly ErrorObject[], data: unknown, root: unknown): FgeProblem {
  const items = collapseAllOf(gatherBranches(merge(errors)), '', root);
  const first = report(items, data, root)[0];
  if (!first) return { message: 'instance failed to validate against the schema', detail: 'error: instance failed to validate against the schema\n' };
  return { message: first.message, detail: toText(first) };
}

/** required, additionalProperties and property dependencies: fge reports each keyword of a node once. */
function merge(errors: readonly ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  const seen = new Map<string, ErrorObject>();
  for (const e of errors) {
    const k = e.keyword;
    if (k !== 'required' && k !== 'additionalProperties' && k !== 'dependencies') {
      out.push(e);
      continue;
    }
    const key = `${k}\u0000${e.instancePath}\u0000${e.schemaPath}\u0000${k === 'dependencies' ? String(e.params['property']) : ''}`;
    const prev = seen.get(key);
    const name = k === 'additionalProperties' ? e.params['additionalProperty'] : e.params['missingProperty'];
    if (prev) (prev.params['all'] as unknown[]).push(name);
    else {
      const copy = { ...e, params: { ...e.params, all: [name] } };
      seen.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

const within = (path: string, prefix: string): boolean => path === prefix || path.startsWith(prefix + '/');

/** anyOf and oneOf errors take the errors of their branches (which ajv lists before them). */
function gatherBranches(errors: readonly ErrorObject[]): Item[] {
  let pending: Item[] = [];
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') {
      pending.push({ e });
      continue;
    }
    const schemas = Array.isArray(e.schema) ? (e.schema as unknown[]) : [];
    const prefixes = schemas.map((s, i) => {
      const ref = (s as { $ref?: unknown } | null)?.$ref;
      return [`${e.schemaPath}/${i}`, typeof ref === 'string' && ref.startsWith('#') ? ref : undefined] as const;
    });
    const branches = new Map<number, Item[]>();
    const rest: Item[] = [];
    for (const it of pending) {
      const i = within(it.e.instancePath, e.instancePath) ? prefixes.findIndex(([p, ref]) => within(it.e.schemaPath, p) || (ref !== undefined && within(it.e.schemaPath, ref))) : -1;
      if (i < 0) rest.push(it);
      else branches.set(i, [...(branches.get(i) ?? []), it]);
    }
    pending = rest;
    pending.push({ e, branches, nrSchemas: schemas.length });
  }
  return pending;
}

/** How many instance steps the schema path segments take (properties/x, items/0, additionalProperties ...). */
function instanceSteps(segments: readonly string[]): number {
  let d = 0;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === 'properties' || s === 'patternProperties') (d++, i++);
    else if (s === 'items') {
      d++;
      if (/^\d+$/.test(segments[i + 1] ?? '')) i++;
    } else if (s === 'additionalProperties' || s === 'additionalItems' || s === 'contains') d++;
    else if (s === 'dependencies' || s === 'anyOf' || s === 'oneOf' || s === 'allOf' || s === 'definitions' || s === '$defs') i++;
  }
  return d;
}

/** allOf: one message made of the errors of its branches (ajv has none of its own). */
function collapseAllOf(items: Item[], scope: string, root: unknown): Item[] {
  const out: Item[] = [];
  const groups = new Map<string, Item>();
  for (const it of items) {
    const sp = it.e.schemaPath;
    const m = sp.startsWith(scope) ? /\/allOf\/(\d+)(?=\/|$)/.exec(sp.slice(scope.length)) : null;
    if (!m) {
      if (it.branches) for (const [i, b] of it.branches) it.branches.set(i, collapseAllOf(b, `${sp}/${i}`, root));
      out.push(it);
      continue;
    }
    const at = scope.length + m.index;
    const allOfPath = sp.slice(0, at + '/allOf'.length);
    const index = Number(m[1]);
    const rest = sp.slice(at + m[0].length).split('/').filter(Boolean);
    const steps = instanceSteps(rest.slice(0, -1));
    const segs = it.e.instancePath.split('/');
    const instancePath = segs.slice(0, segs.length - steps).join('/');
    const key = `${allOfPath}\u0000${instancePath}`;
    let g = groups.get(key);
    if (!g) {
      const schemas = resolvePointer(root, allOfPath);
      const nr = Array.isArray(schemas) ? schemas.length : index + 1;
      g = { e: { keyword: 'allOf', instancePath, schemaPath: allOfPath, params: {}, message: '' } as ErrorObject, branches: new Map(), nrSchemas: nr };
      groups.set(key, g);
      out.push(g);
    }
    g.branches!.set(index, [...(g.branches!.get(index) ?? []), it]);
    g.nrSchemas = Math.max(g.nrSchemas!, index + 1);
  }
  for (const g of groups.values()) for (const [i, b] of g.branches!) g.branches!.set(i, collapseAllOf(b, `${g.e.schemaPath}/${i}`, root));
  return out;
}

function resolvePointer(root: unknown, schemaPath: string): unknown {
  const hash = schemaPath.indexOf('#');
  if (hash !== 0) return undefined;
  let v = root;
  for (const raw of schemaPath.slice(1).split('/').filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

/** fge's report of these items: sorted as fge visits them, and cut where fge stops looking. */
function report(items: readonly Item[], data: unknown, root: unknown): Msg[] {
  const msgs = items.map((it) => toMsg(it, data, root));
  const keys = new Map(msgs.map((m) => [m, sortKey(m.path, data)]));
  msgs.sort((a, b) => compareKeys(keys.get(a)!, keys.get(b)!) || (a.keyword < b.keyword ? -1 : a.keyword > b.keyword ? 1 : 0));
  const first = msgs[0];
  if (!first) return [];
  const p = first.path;
  return msgs.filter((m) => {
    if (m === first || samePath(m.path, p)) return true;
    // a later sibling of a node on the first message's path: looked at, not descended into
    const parent = m.path.length - 1;
    return parent >= 0 && parent < p.length && samePath(m.path.slice(0, parent), p.slice(0, parent)) && m.path[parent] !== p[parent];
  });
}

const samePath = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

/** Per segment: an array index compares as a number, a member name as a string (Java's String order). */
function sortKey(path: readonly string[], data: unknown): (string | number)[] {
  const key: (string | number)[] = [];
  let v = data;
  for (const s of path) {
    key.push(Array.isArray(v) ? Number(s) : s);
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
  }
  return key;
}

function compareKeys(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function toMsg(it: Item, data: unknown, root: unknown): Msg {
  const e = it.e;
  const path = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const hash = e.schemaPath.indexOf('#');
  const segs = e.schemaPath.slice(hash + 1).split('/');
  const schemaPointer = segs.slice(0, -1).join('/');
  const base = { path, pointer: e.instancePath, loadingUri: hash > 0 ? e.schemaPath.slice(0, hash + 1) : '#', schemaPointer, keyword: e.keyword };
  if (it.branches) {
    const reports: Record<string, unknown> = {};
    let matched = 0;
    for (let i = 0; i < it.nrSchemas!; i++) {
      const b = report(it.branches.get(i) ?? [], data, root);
      if (!b.length) matched++;
      reports[`${schemaPointer}/${e.keyword}/${i}`] = b.map(asJson);
    }
    const n = it.nrSchemas!;
    if (e.keyword === 'anyOf') return { ...base, message: `instance failed to match at least one required schema among ${n}`, args: [['nrSchemas', n], ['reports', reports]] };
    if (e.keyword === 'oneOf') {
      const passing = e.params['passingSchemas'];
      const m = Array.isArray(passing) ? passing.length : matched;
      return { ...base, message: `instance failed to match exactly one schema (matched ${m} out of ${n})`, args: [['matched', m], ['nrSchemas', n], ['reports', reports]] };
    }
    return { ...base, message: `instance failed to match all required schemas (matched only ${matched} out of ${n})`, args: [['matched', matched], ['nrSchemas', n], ['reports', reports]] };
  }
  return { ...base, ...leafMessage(e) };
}

const json = (v: unknown): string => JSON.stringify(v) ?? 'null';

/** NodeType names, as Jackson types a value (a number written with a fraction or exponent is a "number"). */
function fgeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (isJsonNumber(v)) return /^-?\d+$/.test(v.value) ? 'integer' : 'number';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v === 'object' ? 'object' : typeof v;
}

const FORMAT_MESSAGES: Record<string, (v: string) => string> = {
  email: (v) => `string "${v}" is not a valid email address`,
  hostname: (v) => `string "${v}" is not a valid hostname`,
  ipv4: (v) => `string "${v}" is not a valid IPv4 address`,
  ipv6: (v) => `string "${v}" is not a valid IPv6 address`,
  uri: (v) => `string "${v}" is not a valid URI`,
  regex: (v) => `string "${v}" is not a valid ECMA 262 regular expression`,
};
const DATE_TIME_FORMATS = ["yyyy-MM-dd'T'HH:mm:ssZ", "yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,12}Z"];

function leafMessage(e: ErrorObject): { message: string; pre?: [string, unknown][]; args: [string, unknown][] } {
  const d = e.data;
  const p = e.params;
  const limit = p['limit'];
  const codePoints = (s: string): number => [...s].length;
  switch (e.keyword) {
    case 'type': {
      const types = new Set(Array.isArray(e.schema) ? (e.schema as string[]) : [String(e.schema)]);
      if (types.has('number')) types.add('integer');
      const expected = [...types].sort();
      return { message: `instance type (${fgeType(d)}) does not match any allowed primitive type (allowed: ${json(expected)})`, args: [['found', fgeType(d)], ['expected', expected]] };
    }
    case 'required': {
      const missing = (e.schema as string[]).filter((r) => (p['all'] as string[]).includes(r));
      return { message: `object has missing required properties (${json(missing)})`, args: [['required', e.schema], ['missing', missing]] };
    }
    case 'additionalProperties': {
      const unwanted = [...(p['all'] as string[])].sort();
      return { message: `object instance has properties which are not allowed by the schema: ${json(unwanted)}`, args: [['unwanted', unwanted]] };
    }
    case 'dependencies': {
      const required = String(p['deps']).split(', ');
      const missing = required.filter((r) => (p['all'] as string[]).includes(r));
      return {
        message: `property "${String(p['property'])}" of object has missing property dependencies (schema requires ${json(required)}; missing: ${json(missing)})`,
        args: [['property', p['property']], ['required', required], ['missing', missing]],
      };
    }
    case 'enum':
      return { message: `instance value (${json(d)}) not found in enum (possible values: ${json(e.schema)})`, args: [['value', d], ['enum', e.schema]] };
    case 'maximum':
    case 'exclusiveMaximum':
      if (Number(d) === Number(limit)) return { message: `numeric instance is not strictly lower than the required maximum ${String(limit)}`, args: [[e.keyword, limit], [e.keyword === 'maximum' ? 'exclusiveMaximum' : 'found', e.keyword === 'maximum' ? true : d]] };
      return { message: `numeric instance is greater than the required maximum (maximum: ${String(limit)}, found: ${String(d)})`, args: [[e.keyword, limit], ['found', d]] };
    case 'minimum':
    case 'exclusiveMinimum':
      if (Number(d) === Number(limit)) return { message: `numeric instance is not strictly greater than the required minimum ${String(limit)}`, args: [[e.keyword, limit], [e.keyword === 'minimum' ? 'exclusiveMinimum' : 'found', e.keyword === 'minimum' ? true : d]] };
      return { message: `numeric instance is lower than the required minimum (minimum: ${String(limit)}, found: ${String(d)})`, args: [[e.keyword, limit], ['found', d]] };
    case 'minLength':
      return { message: `string "${String(d)}" is too short (length: ${codePoints(String(d))}, required minimum: ${String(limit)})`, args: [['value', d], ['found', codePoints(String(d))], ['minLength', limit]] };
    case 'maxLength':
      return { message: `string "${String(d)}" is too long (length: ${codePoints(String(d))}, maximum allowed: ${String(limit)})`, args: [['value', d], ['found', codePoints(String(d))], ['maxLength', limit]] };
    case 'pattern':
      return { message: `ECMA 262 regex "${String(e.schema)}" does not match input string "${String(d)}"`, args: [['regex', e.schema], ['string', d]] };
    case 'minItems':
      return { message: `array is too short: must have at least ${String(limit)} elements but instance has ${(d as unknown[]).length} elements`, args: [['minItems', limit], ['found', (d as unknown[]).length]] };
    case 'maxItems':
      return { message: `array is too long: must have at most ${String(limit)} elements but instance has ${(d as unknown[]).length} elements`, args: [['maxItems', limit], ['found', (d as unknown[]).length]] };
    case 'additionalItems':
      return { message: `schema only allows ${String(limit)} elements in array but instance has ${(d as unknown[]).length} elements`, args: [['allowed', limit], ['found', (d as unknown[]).length]] };
    case 'uniqueItems':
      return { message: 'array must not contain duplicate elements', args: [] };
    case 'multipleOf':
      return { message: `remainder of division is not zero (${String(d)} / ${String(e.schema)})`, args: [['value', d], ['divisor', e.schema]] };
    case 'minProperties':
      return { message: `object has too few properties (found ${Object.keys(d as object).length} but schema requires at least ${String(limit)})`, args: [['found', Object.keys(d as object).length], ['minProperties', limit]] };
    case 'maxProperties':
      return { message: `object has too many properties (found ${Object.keys(d as object).length} but schema requires at most ${String(limit)})`, args: [['found', Object.keys(d as object).length], ['maxProperties', limit]] };
    case 'not':
      return { message: 'instance matched a schema which it should not have', args: [] };
    case 'format': {
      const f = String(p['format']);
      const pre: [string, unknown][] = [['attribute', f]];
      if (f === 'date-time') return { message: `string "${String(d)}" is invalid against requested date format(s) ${json(DATE_TIME_FORMATS)}`, pre, args: [['value', d], ['expected', DATE_TIME_FORMATS]] };
      const text = FORMAT_MESSAGES[f];
      return { message: text ? text(String(d)) : `string "${String(d)}" is not a valid ${f}`, pre, args: [['value', d]] };
    }
    default:
      return { message: e.message ?? `keyword ${e.keyword} failed`, args: Object.entries(p) };
  }
}

function header(m: Msg): [string, unknown][] {
  return [
    ['level', 'error'],
    ['schema', { loadingURI: m.loadingUri, pointer: m.schemaPointer }],
    ['instance', { pointer: m.pointer }],
    ['domain', 'validation'],
    ['keyword', m.keyword],
  ];
}

/** ProcessingMessage.asJson(): the message among the fields, where fge put it. */
function asJson(m: Msg): Record<string, unknown> {
  return Object.fromEntries([...header(m), ...(m.pre ?? []), ['message', m.message], ...m.args]);
}

/** ProcessingMessage.toString(). */
function toText(m: Msg): string {
  let s = `error: ${m.message}`;
  for (const [k, v] of [...header(m), ...(m.pre ?? []), ...m.args]) s += `\n    ${k}: ${json(v)}`;
  return s + '\n';
}
