/**
 * `GET <api>?swagger.json` and `?swagger.yaml`, as Micro Integrator's SwaggerJsonProcessor and
 * SwaggerYamlProcessor answer them, before any API dispatch (and so without its security, as there): the
 * path names an API by its name (`/Coffeebar?swagger.json`, MI's form) or by its context
 * (`/coffee?swagger.json`). An API with a definition (publishSwagger, `<ApiName>_swagger.yaml`) gets it as
 * written, converted between JSON and YAML when the other form is asked for; any other API gets the
 * definition MI generates from its resources (OpenAPIProcessor): OpenAPI 3.0.1, info from the API, one
 * server (the scheme and Host of the request, then the context), one path per uri-template or url-mapping
 * with its path and query parameters, a sample JSON body for POST, PUT and PATCH, and a default response.
 */
import { stringify } from 'yaml';
import type { Api, ApiResource } from '../../artifacts/model.js';
import type { InboundRequest, Reply } from '../../context/message-context.js';

export type SwaggerFormat = 'json' | 'yaml';

const CONTENT_TYPE: Record<SwaggerFormat, string> = { json: 'application/json', yaml: 'application/x-yaml' };
/** PathItem's field order, which is the order swagger-core writes operations in. */
const OPERATION_ORDER = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'];
const PATH_PARAMETER = /\{(.*?)\}/g;

/** `swagger.json` / `swagger.yaml` (alone or before other parameters); undefined for any other query. */
export function swaggerFormat(query: string): SwaggerFormat | undefined {
  const item = query.split('&', 1)[0];
  return item === 'swagger.json' ? 'json' : item === 'swagger.yaml' ? 'yaml' : undefined;
}

/** The API a swagger request names: by name (`/Name`), else by context. */
export function apiForSwagger(apis: ReadonlyMap<string, Api>, path: string): Api | undefined {
  let name = path.slice(1);
  try {
    name = decodeURIComponent(name);
  } catch {
    // a malformed escape: the name as sent
  }
  const byName = apis.get(name);
  if (byName) return byName;
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  for (const api of apis.values()) if (api.context === p) return api;
  return undefined;
}

type Json = Record<string, unknown>;

function parameter(name: string, where: 'path' | 'query'): Json {
  const schema = { type: 'string' };
  return where === 'path' ? { name, in: 'path', required: true, schema } : { name, in: 'query', schema };
}

function sampleBody(): Json {
  return { description: 'Sample Payload', content: { 'application/json': { schema: { type: 'object', properties: { payload: { type: 'object' } } } } }, required: false };
}

function operation(res: ApiResource, method: string): Json {
  const op: Json = {};
  const params: Json[] = [];
  const template = res.uriTemplate;
  if (template !== undefined) {
    const q = template.indexOf('?');
    if (q > 0) {
      for (const part of template.slice(q + 1).split('&')) {
        const eq = part.indexOf('=');
        if (eq > 0) params.push(parameter(part.slice(0, eq), 'query'));
      }
    }
    for (const m of (q > 0 ? template.slice(0, q) : template).matchAll(PATH_PARAMETER)) params.push(parameter(m[1]!, 'path'));
  }
  if (params.length) op['parameters'] = params;
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') op['requestBody'] = sampleBody();
  op['responses'] = { default: { description: 'Default response' } };
  return op;
}

/** MI's generated definition of an API (OpenAPIProcessor.getOpenAPISpecification). */
export function generatedDefinition(api: Api, inbound: InboundRequest): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const res of api.resources) {
    const source = res.uriTemplate ?? res.urlMapping ?? '/';
    const q = source.indexOf('?');
    const key = q > 0 ? source.slice(0, q) : source;
    const item = (paths[key] ??= {});
    for (const m of res.methods ?? []) item[m] = operation(res, m);
  }
  const ordered: Record<string, Json> = {};
  for (const [p, ops] of Object.entries(paths)) {
    const item: Json = {};
    for (const m of OPERATION_ORDER) if (ops[m]) item[m.toLowerCase()] = ops[m];
    ordered[p] = item;
  }
  return {
    openapi: '3.0.1',
    info: { title: api.name, description: api.description ?? `API Definition of ${api.name}`, version: api.version ?? '1.0.0' },
    servers: [{ url: `${inbound.protocol}://${inbound.host}${api.context}` }],
    paths: ordered,
  };
}

function write(doc: unknown, format: SwaggerFormat, pretty: boolean): string {
  if (format === 'json') return pretty ? JSON.stringify(doc, null, 2) : JSON.stringify(doc);
  return stringify(doc, { indentSeq: false, lineWidth: 0 });
}

/** The answer to a swagger request for `api`. */
export function swaggerReply(api: Api, format: SwaggerFormat, inbound: InboundRequest): Reply {
  const def = api.definition;
  let text: string;
  if (def === undefined) text = write(generatedDefinition(api, inbound), format, false);
  else text = def.format === format ? def.text : write(def.doc, format, true);
  return { status: 200, headers: { 'content-type': CONTENT_TYPE[format] }, body: Buffer.from(text) };
}
