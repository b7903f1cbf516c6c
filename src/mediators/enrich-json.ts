/**
 * <enrich> on a JSON payload, as Synapse's native JSON enrich does it (Source.evaluateJson, Target.insertJson):
 * - property target: replace stores the JSON value; child appends to the JSON array the property holds (and
 *   only to an array); sibling is not supported;
 * - body target: replace with a JSON object or array only; child and sibling are not supported;
 * - JSONPath target: replace sets every match (a path that matches nothing is a fault); child appends to an
 *   array or merges an object into an object; sibling is not supported;
 * - envelope target: not supported.
 * What Synapse refuses by logging an error and carrying on, this does too (MI_MED_004), leaving the message as
 * it was; what makes Synapse throw (a source or a target path that is not there) is a fault here.
 */
import { JSONPath } from 'jsonpath-plus';
import type { MessageContext } from '../context/message-context.js';
import { JavaFloating } from '../context/java-number.js';
import { Errors, MiError } from '../errors.js';
import { cloneJson, isJsonNumber, isJsonObject, parseJson, stringifyJson } from '../json/json-number.js';
import type { Source, Target } from './enrich-parts.js';

/** The logger Synapse's enrich mediator logs under. */
const ENRICH_LOGGER = 'org.apache.synapse.mediators.elementary.EnrichMediator';

function refuse(mc: MessageContext, message: string): void {
  mc.runtime.logs.get(ENRICH_LOGGER).error(`${Errors.ENRICH_NOT_APPLIED.code} ${message}; the message is left as it was`);
}

function failSource(what: string): never {
  throw new MiError(Errors.MEDIATION_ERROR, `Failed to get the source for Enriching: ${what}`);
}

/** JSON text as Gson's lenient parser reads it: a bare word is a string. Undefined when it is not JSON. */
function parseLenient(text: string): { value: unknown } | undefined {
  try {
    return { value: parseJson(text) };
  } catch {
    const t = text.trim();
    return /^[^\s{}[\]:,"']+$/.test(t) ? { value: t } : undefined;
  }
}

interface Match {
  value: unknown;
  parent: Record<string, unknown> | unknown[] | undefined;
  key: string | number | undefined;
}

function matches(json: unknown, path: string): Match[] {
  if (path === '$') return [{ value: json, parent: undefined, key: undefined }];
  if (json === null || typeof json !== 'object') return [];
  const found = JSONPath({ path, json: json as object, resultType: 'all', wrap: true }) as { value: unknown; parent: Match['parent']; parentProperty: string | number }[];
  return found.map((f) => ({ value: f.value, parent: f.parent, key: f.parentProperty }));
}

function put(m: Match, value: unknown): void {
  (m.parent as Record<string | number, unknown>)[m.key!] = value;
}

const isObject = isJsonObject;

/** The value a source gives (strings are JSON strings). */
function sourceValue(mc: MessageContext, s: Source): unknown {
  switch (s.type) {
    case 'custom': {
      const json = cloneJson(mc.payload.json());
      const found = matches(json, s.jsonPath!);
      if (!found.length) failSource(`${s.xpath!.source} matches nothing in the payload`);
      const definite = !/[*?()]|\.\.|,|:/.test(s.jsonPath!);
      const value = definite ? found[0]!.value : found.map((f) => f.value);
      if (!s.clone) {
        // clone="false" takes the source out of the payload first
        if (found.some((f) => f.parent === undefined)) mc.payload.setJson({});
        else {
          for (const f of [...found].reverse()) {
            if (Array.isArray(f.parent)) f.parent.splice(f.key as number, 1);
            else delete (f.parent as Record<string, unknown>)[f.key as string];
          }
          mc.payload.setJson(json);
        }
      }
      return cloneJson(value);
    }
    case 'body':
    case 'envelope':
      return cloneJson(mc.payload.json());
    case 'inline': {
      let text: string | undefined;
      if (s.key !== undefined) {
        const entry = mc.runtime.localEntry(s.key);
        text = entry && !entry.element ? entry.text : undefined;
        if (text === undefined || text.trim() === '') failSource(`local entry '${s.key}' does not hold JSON text`);
      } else if (s.inlineXml !== undefined) failSource('inline XML is not JSON');
      else text = s.inlineText ?? '';
      const parsed = parseLenient(text!);
      if (!parsed) throw new MiError(Errors.MEDIATION_ERROR, `enrich: the inline source is not valid JSON: ${text!.slice(0, 100)}`);
      return parsed.value;
    }
    case 'property': {
      const v = mc.getProperty(s.property!);
      if (v === undefined || v === null) failSource(`property '${s.property}' is not set`);
      // as Synapse: a DOUBLE, FLOAT, LONG or BOOLEAN property is not JSON
      if (typeof v === 'bigint' || typeof v === 'boolean' || v instanceof JavaFloating) failSource(`property '${s.property}' does not hold JSON`);
      if (typeof v === 'string') return parseLenient(v)?.value ?? v;
      // a node list of JSON text (an XML one is enriched as XML)
      if (Array.isArray(v) && v.some((n) => typeof n === 'object' && n !== null && 'nodeType' in n)) {
        return parseJson(v.map((n: Node) => n.nodeValue ?? '').join(''));
      }
      return cloneJson(v);
    }
  }
}

/** A JSON value as a property holds it: a JSON string keeps its quotes, as Synapse prints a JSON element. */
function asProperty(v: unknown): unknown {
  if (typeof v === 'string') return stringifyJson(v);
  return v === null ? 'null' : v;
}

/** The JSON array a property holds (a JSON-typed property, or its text), else undefined. */
function propertyArray(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return cloneJson(v);
  if (typeof v === 'string') {
    const p = parseLenient(v);
    return p && Array.isArray(p.value) ? p.value : undefined;
  }
  return undefined;
}

export function enrichJson(mc: MessageContext, source: Source, target: Target): void {
  const value = sourceValue(mc, source);
  switch (target.type) {
    case 'property': {
      const name = target.property!;
      if (target.action === 'replace') mc.setProperty(name, asProperty(value));
      else if (target.action === 'child') {
        const cur = mc.getProperty(name);
        if (cur === undefined || cur === null) return refuse(mc, `enrich: cannot add a child to property '${name}': it is not set`);
        const arr = propertyArray(cur);
        if (!arr) return refuse(mc, `enrich: cannot add a child to property '${name}': it does not hold a JSON array`);
        arr.push(value);
        mc.setProperty(name, arr);
      } else refuse(mc, `enrich: action "sibling" is not supported for a JSON property target`);
      return;
    }
    case 'body':
      if (target.action !== 'replace') return refuse(mc, `enrich: action "${target.action}" is not supported for a JSON body target; only replace is`);
      if (value === null || typeof value !== 'object' || isJsonNumber(value)) return refuse(mc, `enrich: only a JSON object or array can replace the body, not ${stringifyJson(value)}`);
      mc.payload.setJson(value);
      return;
    case 'envelope':
      return refuse(mc, 'enrich: an envelope target is not supported for a JSON payload');
    case 'custom':
      return enrichPath(mc, target, value);
  }
}

function enrichPath(mc: MessageContext, target: Target, value: unknown): void {
  const path = target.jsonPath!;
  if (target.action === 'sibling') return refuse(mc, `enrich: action "sibling" is not supported for a JSONPath target; use child`);
  const root = cloneJson(mc.payload.json());
  const found = matches(root, path);
  if (!found.length) throw new MiError(Errors.MEDIATION_ERROR, `enrich: the target ${target.xpath!.source} matches nothing in the payload`);
  if (target.action === 'replace') {
    if (path === '$') return refuse(mc, 'enrich: the root $ cannot be replaced through a JSONPath target; use type="body"');
    for (const m of found) put(m, cloneJson(value));
    mc.payload.setJson(root);
    return;
  }
  let result = root;
  for (const m of found) {
    if (Array.isArray(m.value)) m.value.push(cloneJson(value));
    else if (isObject(m.value) && isObject(value)) Object.assign(m.value, cloneJson(value));
    else return refuse(mc, `enrich: cannot add a child to ${target.xpath!.source}: it is not a JSON array, or not an object receiving an object`);
    if (m.parent === undefined) result = m.value;
  }
  mc.payload.setJson(result);
}
