/**
 * What `mi get ...` prints, as Micro Integrator's CLI (product-mi-tooling, cmd/impl/get*.go) prints it: a list
 * is a table with MI's column headers (`NAME  URL` for APIs, `NAME  WSDL 1.1  WSDL 2.0` for proxy services,
 * ...) laid out by Go's tabwriter, or MI's "No APIs found" line; one artifact is MI's `Key - value` detail
 * template. Values print as Go's templates print them: booleans as true/false, a list of methods as `[GET POST]`.
 */
import { goTabwriter } from './go-tabwriter.js';

type Body = Record<string, unknown>;

export interface ArtifactView {
  /** `mi get <command>` */
  readonly command: string;
  /** The management resource. */
  readonly resource: string;
  /** The query parameter naming one artifact; undefined: the name is a path segment (`/users/{id}`). */
  readonly param?: string;
  readonly what: string;
  /** MI's line for an empty list. */
  readonly none: string;
  /** [header, field] pairs of the list table. */
  readonly columns: readonly (readonly [string, string])[];
  /** MI's detail template, filled in; tab-separated cells are aligned by the tabwriter. */
  readonly detail: (b: Body) => string;
}

/** A value as Go's text/template prints a field: missing strings are empty, missing booleans false. */
function v(b: Body, key: string, missing = ''): string {
  const x = b[key];
  if (x === undefined || x === null) return missing;
  if (Array.isArray(x)) return `[${x.map(String).join(' ')}]`;
  return typeof x === 'object' ? JSON.stringify(x) : String(x);
}

/** `{{range $i, $x := .List}}{{if $i}}, {{end}}{{$x}}{{end}}` */
function joined(b: Body, key: string): string {
  const x = b[key];
  return Array.isArray(x) ? x.map(String).join(', ') : '';
}

/** `{{if .Field}}Label - {{.Field}}\n{{end}}` */
function optional(b: Body, key: string, label: string): string {
  const x = b[key];
  return x === undefined || x === null || x === '' || x === false ? '' : `${label} - ${v(b, key)}\n`;
}

export const ARTIFACT_VIEWS: readonly ArtifactView[] = [
  {
    command: 'apis',
    resource: '/apis',
    param: 'apiName',
    what: 'REST APIs',
    none: 'No APIs found',
    columns: [['NAME', 'name'], ['URL', 'url']],
    detail: (b) =>
      `Name - ${v(b, 'name')}\nVersion - ${v(b, 'version')}\nUrl - ${v(b, 'url')}\nStats - ${v(b, 'stats')}\nTracing - ${v(b, 'tracing')}\n` +
      'Resources :\nURL\tMETHOD\n' +
      (Array.isArray(b['resources']) ? (b['resources'] as Body[]).map((r) => `${v(r, 'url')}\t${v(r, 'methods', '[]')}\n`).join('') : ''),
  },
  {
    command: 'proxy-services',
    resource: '/proxy-services',
    param: 'proxyServiceName',
    what: 'proxy services',
    none: 'No Proxy Services found',
    columns: [['NAME', 'name'], ['WSDL 1.1', 'wsdl1_1'], ['WSDL 2.0', 'wsdl2_0']],
    detail: (b) => `Name - ${v(b, 'name')}\nWSDL 1.1 - ${v(b, 'wsdl1_1')}\nWSDL 2.0 - ${v(b, 'wsdl2_0')}\nStats - ${v(b, 'stats')}\nTracing - ${v(b, 'tracing')}\n`,
  },
  {
    command: 'endpoints',
    resource: '/endpoints',
    param: 'endpointName',
    what: 'endpoints',
    none: 'No Endpoints found',
    columns: [['NAME', 'name'], ['TYPE', 'type'], ['ACTIVE', 'isActive']],
    detail: (b) =>
      `Name - ${v(b, 'name')}\n` +
      optional(b, 'type', 'Type') +
      optional(b, 'isActive', 'Active') +
      optional(b, 'method', 'Method') +
      optional(b, 'address', 'Address') +
      optional(b, 'uriTemplate', 'URI Template') +
      optional(b, 'serviceName', 'Service Name') +
      optional(b, 'portName', 'Port Name') +
      optional(b, 'wsdlUri', 'WSDL URI'),
  },
  {
    command: 'sequences',
    resource: '/sequences',
    param: 'sequenceName',
    what: 'sequences',
    none: 'No Sequences found',
    columns: [['NAME', 'name'], ['STATS', 'stats'], ['TRACING', 'tracing']],
    detail: (b) => `Name - ${v(b, 'name')}\nContainer - ${v(b, 'container')}\nStats - ${v(b, 'stats')}\nTracing - ${v(b, 'tracing')}\nMediators - ${joined(b, 'mediators')}\n`,
  },
  {
    command: 'local-entries',
    resource: '/local-entries',
    param: 'name',
    what: 'local entries',
    none: 'No Local Entries found',
    columns: [['NAME', 'name'], ['TYPE', 'type']],
    detail: (b) => `Name - ${v(b, 'name')}\nType - ${v(b, 'type')}\nValue - ${v(b, 'value')}\n`,
  },
  {
    command: 'users',
    resource: '/users',
    what: 'users',
    none: 'No Users found',
    columns: [['USER ID', 'userId']],
    detail: (b) => `Name - ${v(b, 'userId')}\nIs Admin - ${v(b, 'isAdmin', 'false')}\nRoles - ${joined(b, 'roles')}\n`,
  },
  {
    command: 'roles',
    resource: '/roles',
    what: 'roles',
    none: 'No roles found',
    columns: [['ROLE', 'role']],
    detail: (b) => `Role Name - ${v(b, 'role')}\nUsers  - ${joined(b, 'users')}\n`,
  },
];

/** A list reply (`{"count", "list"}`) as MI's table, or its "none found" line. */
export function listText(view: ArtifactView, body: unknown): string {
  const list = ((body as { list?: unknown } | undefined)?.list ?? []) as Body[];
  if (!Array.isArray(list) || list.length === 0) return `${view.none}\n`;
  const header = view.columns.map(([h]) => h).join('\t');
  const rows = list.map((row) => view.columns.map(([, field]) => v(row, field, field === 'isActive' ? 'false' : '')).join('\t'));
  return goTabwriter(`${header}\n${rows.join('\n')}\n`);
}

export function detailText(view: ArtifactView, body: unknown): string {
  return goTabwriter(view.detail((body ?? {}) as Body));
}

/** `mi get envs`: MI's `NAME  MI MANAGEMENT ENDPOINT` table. */
export function environmentsText(envs: Readonly<Record<string, { url: string }>>): string {
  const rows = Object.entries(envs).map(([name, e]) => `${name}\t${e.url.replace(/\/management$/, '')}`);
  return goTabwriter(`NAME\tMI MANAGEMENT ENDPOINT\n${rows.map((r) => `${r}\n`).join('')}`);
}
