/**
 * An API's OpenAPI definition: where it is, its text as written, the parsed document, and where each part
 * of it sits in the file, so a problem found in it is reported at file:line:col with its JSON path
 * (`paths./menu.get.security[0]`). Where it comes from, as in Micro Integrator:
 *
 * - `publishSwagger="<key>"` on the `<api>`: a registry resource of the file registry (`gov:path`,
 *   `conf:path`, `local:path`, or MI's `/_system/governance/path` / `/_system/config/path` spelling) or a
 *   `file:` under the home;
 * - else a file beside the API's file named as MI names an API's metadata definition,
 *   `<ApiName>_swagger.yaml` (or `.yml`, `.json`).
 *
 * The text is YAML or JSON (YAML 1.2 reads both), validated against the OpenAPI specification with
 * @readme/openapi-parser (openapi/validate.ts). It is read when the API deploys.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { Errors, type ErrorSpec } from '../../errors.js';
import { policySource } from '../../security/ws-security/policy-source.js';
import { validateOpenApi } from './validate.js';

export type DefinitionFormat = 'json' | 'yaml';
export type JsonPath = readonly (string | number)[];

export interface OpenApiDefinition {
  readonly file: string;
  /** The text as written (what `?swagger.json` / `?swagger.yaml` serve when the format matches). */
  readonly text: string;
  readonly format: DefinitionFormat;
  readonly doc: Readonly<Record<string, unknown>>;
  /** Where the value at `path` starts (or its nearest ancestor that exists), 1-based. */
  at(path: JsonPath): { line: number; col: number };
}

export interface DefinitionProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly spec: ErrorSpec;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/** `paths./menu.get.security[0]` */
export function jsonPathText(p: JsonPath): string {
  let out = '';
  for (const s of p) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

const SIDECAR_SUFFIXES = ['_swagger.yaml', '_swagger.yml', '_swagger.json'];

/** MI's registry paths written as `/_system/governance/...` name the same files as `gov:` keys. */
function registryKey(key: string): string {
  const m = /^\/_system\/(governance|config|local)\/(.*)$/.exec(key.trim());
  if (!m) return key.trim();
  return `${m[1] === 'governance' ? 'gov' : m[1] === 'config' ? 'conf' : 'local'}:${m[2]}`;
}

export type DefinitionLocation = { readonly file: string; readonly key: string | undefined } | { readonly refused: string };

/** Where an API's definition is: its publishSwagger key, else a sidecar file; undefined when it has none. */
export function locateDefinition(apiName: string, apiFile: string, publishSwagger: string | undefined, home: string): DefinitionLocation | undefined {
  if (publishSwagger !== undefined) {
    const key = registryKey(publishSwagger);
    const src = policySource(key, home);
    if (src.kind === 'file') return { file: src.file, key: publishSwagger };
    if (src.kind === 'refused') return { refused: src.why };
    return { refused: `publishSwagger '${publishSwagger}' is not a registry path; use gov:path, conf:path (HOME/registry) or file:path (under the home)` };
  }
  const dir = path.dirname(apiFile);
  for (const suffix of SIDECAR_SUFFIXES) {
    const file = path.join(dir, apiName + suffix);
    if (existsSync(file)) return { file, key: undefined };
  }
  return undefined;
}

function problem(file: string, pos: { line: number; col: number }, spec: ErrorSpec, message: string, severity: 'error' | 'warning' = 'error'): DefinitionProblem {
  return { file, line: pos.line, col: pos.col, spec, message, severity };
}

/** Reads, parses and validates the definition in `file`; any error leaves `definition` undefined. */
export function readDefinition(file: string, what: string): { definition?: OpenApiDefinition; problems: DefinitionProblem[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { problems: [problem(file, { line: 0, col: 0 }, Errors.OPENAPI_UNREADABLE, `${what} cannot be read: ${why}`)] };
  }
  const lines = new LineCounter();
  const yamlDoc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (yamlDoc.errors.length) {
    return {
      problems: yamlDoc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return problem(file, pos, Errors.OPENAPI_UNREADABLE, `${what} is neither JSON nor YAML: ${e.message.split('\n')[0]}`);
      }),
    };
  }
  const doc = yamlDoc.toJS({ maxAliasCount: 100 }) as unknown;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { problems: [problem(file, { line: 1, col: 1 }, Errors.OPENAPI_INVALID, `${what} is not an OpenAPI document (an object with openapi, info and paths)`)] };
  }
  const at = (p: JsonPath): { line: number; col: number } => {
    for (let n = p.length; n >= 0; n--) {
      const node = yamlDoc.getIn(p.slice(0, n), true) as Node | undefined;
      if (node && (node as { range?: [number, number, number] }).range) return lines.linePos((node as { range: [number, number, number] }).range[0]);
    }
    return { line: 1, col: 1 };
  };
  const record = doc as Record<string, unknown>;
  const version = typeof record['openapi'] === 'string' ? record['openapi'] : undefined;
  if (version === undefined || !/^3\.[01]\.\d+/.test(version)) {
    const said = version ?? (typeof record['swagger'] === 'string' ? `swagger ${record['swagger']}` : 'no openapi field');
    return { problems: [problem(file, at(['openapi']), Errors.OPENAPI_INVALID, `${what} must be OpenAPI 3.0 or 3.1 (found ${said})`)] };
  }
  const outcome = validateOpenApi(doc);
  const problems = outcome.warnings.map((w) => problem(file, { line: 1, col: 1 }, Errors.OPENAPI_INVALID, `${what}: ${w}`, 'warning'));
  if (outcome.errors.length) {
    problems.push(...outcome.errors.map((e) => problem(file, { line: 1, col: 1 }, Errors.OPENAPI_INVALID, `${what} is not a valid OpenAPI ${version} document: ${e}`)));
    return { problems };
  }
  const format: DefinitionFormat = /^\s*\{/.test(text) ? 'json' : 'yaml';
  return { definition: { file, text, format, doc: record, at }, problems };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The value a local `$ref` (`#/components/securitySchemes/x`) points at, followed through a few hops;
 * the value itself when it is no reference. undefined for a reference that leads nowhere.
 */
export function resolveRef(doc: Readonly<Record<string, unknown>>, value: unknown): unknown {
  let v = value;
  for (let hops = 0; hops < 8 && isObject(v) && typeof v['$ref'] === 'string'; hops++) {
    const ref = v['$ref'];
    if (!ref.startsWith('#/')) return undefined;
    let cur: unknown = doc;
    for (const raw of ref.slice(2).split('/')) {
      const seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      cur = isObject(cur) ? cur[seg] : Array.isArray(cur) ? cur[Number(seg)] : undefined;
    }
    v = cur;
  }
  return v;
}
