/**
 * JSON Schema validation with ajv 8 (draft 4 through ajv-draft-04; drafts 6 and 7; 2019-09 and 2020-12),
 * the draft chosen by the schema's `$schema`. A schema without one is draft 4, as in Micro Integrator
 * (java-json-tools' validator defaults to draft 4). Schemas are compiled once, by their text, when the
 * artifact deploys; a message is checked by the compiled function, and only a failing one is checked again
 * collecting every error, to say what Micro Integrator would say (fge-report.ts).
 *
 * Options follow Micro Integrator's validator: unknown keywords are ignored, patterns are ECMAScript regexes
 * without the `u` flag (Rhino's, so `[\w\-]` compiles), draft 4 checks the formats it knows (date-time,
 * email, hostname, ipv4, ipv6, regex, uri) and ignores others; later drafts check ajv-formats' formats.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, Options, ValidateFunction } from 'ajv';
import { isJsonNumber } from '../../json/json-number.js';
import { firstFgeProblem, type FgeProblem } from './fge-report.js';

const require = createRequire(import.meta.url);
type AjvCtor = new (opts: Options) => AjvClass;
type AddFormats = (ajv: AjvClass, formats?: string[]) => AjvClass;

export class JsonSchemaCompileError extends Error {}

export interface CompiledJsonSchema {
  /** undefined when the value is valid; else the problem as Micro Integrator words it. */
  validate(value: unknown): FgeProblem | undefined;
}

const DRAFT4_FORMATS = ['date-time', 'email', 'hostname', 'ipv4', 'ipv6', 'regex', 'uri'];
const compiled = new Map<string, CompiledJsonSchema>();

type Draft = '4' | '6' | '7' | '2019' | '2020';

function draftOf(schema: unknown): Draft {
  const s = schema !== null && typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  if (typeof s !== 'string') return '4';
  if (/json-schema\.org\/draft-06\//.test(s)) return '6';
  if (/json-schema\.org\/draft-07\//.test(s)) return '7';
  if (/json-schema\.org\/draft\/2019-09\//.test(s)) return '2019';
  if (/json-schema\.org\/draft\/2020-12\//.test(s)) return '2020';
  return '4';
}

/** One validator instance per draft and mode, its meta-schemas compiled once. */
const shared = new Map<string, AjvClass>();

function sharedAjv(draft: Draft, allErrors: boolean): AjvClass {
  const k = `${draft}${allErrors ? '+' : ''}`;
  let a = shared.get(k);
  if (!a) shared.set(k, (a = newAjv(draft, allErrors)));
  return a;
}

/** Compiles in the shared instance, or in one of its own when an $id there is taken (two schemas, one $id). */
function compileWith(draft: Draft, allErrors: boolean, schema: object): ValidateFunction {
  try {
    return sharedAjv(draft, allErrors).compile(schema);
  } catch (err) {
    if (!/already exists/.test((err as Error).message)) throw err;
    return newAjv(draft, allErrors).compile(schema);
  }
}

function newAjv(draft: Draft, allErrors: boolean): AjvClass {
  const opts: Options = { allErrors, verbose: allErrors, strict: false, logger: false, unicodeRegExp: false, validateFormats: true };
  const addFormats = require('ajv-formats') as AddFormats;
  if (draft === '4') {
    const Ajv04 = require('ajv-draft-04') as AjvCtor;
    return addFormats(new Ajv04(opts), DRAFT4_FORMATS);
  }
  const Ctor = (draft === '2019' ? require('ajv/dist/2019') : draft === '2020' ? require('ajv/dist/2020') : require('ajv')) as AjvCtor;
  const ajv = addFormats(new Ctor(opts));
  if (draft === '6') ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  return ajv;
}

/** Compiles (or finds compiled) a JSON schema given as text. Throws JsonSchemaCompileError. */
export function compileJsonSchema(text: string): CompiledJsonSchema {
  const hash = createHash('sha256').update(text).digest('hex');
  const hit = compiled.get(hash);
  if (hit) return hit;
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    throw new JsonSchemaCompileError(`it is not JSON: ${(err as Error).message}`);
  }
  if (schema === null || (typeof schema !== 'object' && typeof schema !== 'boolean')) throw new JsonSchemaCompileError('a JSON schema is an object');
  const draft = draftOf(schema);
  // a $schema this runtime does not know is read as draft 4, as Micro Integrator does
  const own = draft === '4' && typeof schema === 'object' && '$schema' in (schema as object) && !/draft-04/.test(String((schema as { $schema: unknown }).$schema));
  const body = own ? Object.fromEntries(Object.entries(schema as object).filter(([k]) => k !== '$schema')) : schema;
  let check: ValidateFunction;
  let explain: ValidateFunction;
  try {
    check = compileWith(draft, false, body as object);
    explain = compileWith(draft, true, body as object);
  } catch (err) {
    throw new JsonSchemaCompileError((err as Error).message);
  }
  const result: CompiledJsonSchema = {
    validate(value) {
      const v = plain(value);
      if (check(v)) return undefined;
      explain(v);
      const errors = (explain.errors ?? check.errors ?? []) as ErrorObject[];
      try {
        return firstFgeProblem(errors, v, body);
      } catch {
        // an error shape the wording does not know: ajv's own words rather than no answer
        const e = errors[0];
        const message = e ? `${e.instancePath || '/'} ${e.message ?? e.keyword}` : 'the message does not match the schema';
        return { message, detail: `error: ${message}\n` };
      }
    },
  };
  compiled.set(hash, result);
  return result;
}

/**
 * The value with every number a plain JS number (the runtime keeps some as JsonNumber, their text exact):
 * containers are copied only on the path to one.
 */
function plain(v: unknown): unknown {
  if (isJsonNumber(v)) return v.valueOf();
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const p = plain(v[i]);
      if (p !== v[i]) (out ??= v.slice())[i] = p;
    }
    return out ?? v;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(v)) {
    const p = plain(x);
    if (p !== x) Object.defineProperty((out ??= { ...(v as Record<string, unknown>) }), k, { value: p, enumerable: true, writable: true, configurable: true });
  }
  return out ?? v;
}
