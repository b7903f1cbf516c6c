/**
 * All parsed files -> one Deployment. Duplicate names and keys that point nowhere make the artifact that
 * holds them fail (with file:line), repeated until stable, so an artifact never deploys half-wired; the
 * built-in `main` and `fault` sequences fill in when the user has none.
 */
import { Errors, type ErrorSpec } from '../errors.js';
import { ApiRouter } from '../api/router.js';
import type { Deployment } from '../runtime.js';
import type { Sequence } from '../mediators/sequence.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import { diagnostic, type Diagnostic } from './diagnostic.js';
import type { Api, Artifact, LocalEntry, ProxyService, SequenceTemplate } from './model.js';
import type { ParsedArtifact, ParsedFile } from './loader.js';
import type { KeyRef, RefKind } from './parse-context.js';
import { linkProxySecurity, needsLinkedPolicy } from '../security/ws-security/link-policy.js';

export interface LinkResult {
  deployment: Deployment;
  diagnostics: Diagnostic[];
  /** Artifacts that made it in, by file. */
  deployed: Artifact[];
}

function refKindOf(a: Artifact): RefKind | undefined {
  switch (a.kind) {
    case 'sequence':
      return 'sequence';
    case 'endpoint':
      return 'endpoint';
    case 'localEntry':
      return 'localEntry';
    case 'template':
      return 'template';
    case 'endpointTemplate':
      return 'endpointTemplate';
    default:
      return undefined;
  }
}

function identity(a: Artifact): string {
  if (a.kind === 'api') return `api:${a.context}|${a.hostname ?? ''}|${a.port ?? ''}`;
  // sequence and endpoint templates share one set of names, as in Synapse
  if (a.kind === 'endpointTemplate') return `template:${a.name}`;
  return `${a.kind}:${a.name}`;
}

/** The first reference of `pa` that points nowhere, or whose wiring fails. */
function refProblem(pa: ParsedArtifact, names: Record<RefKind, Map<string, Artifact>>): { at: KeyRef; spec: ErrorSpec; message: string } | undefined {
  const a = pa.artifact;
  const dangling = (at: KeyRef, kind: RefKind, key: string, via = ''): { at: KeyRef; spec: ErrorSpec; message: string } => {
    const registry = /^(gov|conf|reg):/.test(key);
    return registry
      ? { at, spec: Errors.UNSUPPORTED, message: `${kind} key '${key}'${via} is a registry resource; registry resources are not supported (deploy it as a local entry)` }
      : { at, spec: Errors.DANGLING_KEY, message: `${kind === 'endpointTemplate' ? 'endpoint template' : kind} '${key}'${via} is not deployed; ${a.kind} '${a.name}' is not deployed until it is` };
  };
  for (const r of pa.refs) {
    const target = names[r.kind].get(r.key);
    if (!target) return dangling(r, r.kind, r.key);
    if (!r.bind) continue;
    const wired = r.bind(target);
    const first = wired.problems[0];
    if (first) return { at: r, spec: first.spec, message: first.message };
    const missing = wired.refs.find((x) => !names[x.kind].has(x.key));
    if (missing) return dangling(r, missing.kind, missing.key, ` (used by endpoint template '${r.key}')`);
  }
  return undefined;
}

/** What an artifact claims: its identity, and for an API its name too (two APIs may not share either). */
function claims(a: Artifact): string[] {
  return a.kind === 'api' ? [identity(a), `api-name:${a.name}`] : [identity(a)];
}

/** The claims of a deployment's artifacts, each with the file that serves it (for the next link). */
export function servingClaims(deployed: readonly Artifact[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of deployed) for (const c of claims(a)) out.set(c, a.file);
  return out;
}

const KIND_LABEL: Record<Artifact['kind'], string> = {
  proxy: 'proxy',
  api: 'API',
  sequence: 'sequence',
  endpoint: 'endpoint',
  localEntry: 'local entry',
  template: 'template',
  endpointTemplate: 'template',
};

/**
 * `serving`: the claims of the deployment now serving (servingClaims). An artifact keeps what it serves: a
 * newcomer claiming the same name or API context is refused, whatever the names of the two files. Claims
 * nobody serves go to the first file by path.
 */
export function link(files: readonly ParsedFile[], builtins: readonly ParsedArtifact[] = [], serving: ReadonlyMap<string, string> = new Map()): LinkResult {
  const diagnostics: Diagnostic[] = [];
  const sorted = [...files].sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0));
  // 1. duplicates: what serves keeps serving, then the first file (by path) wins; the others fail
  const claimed = sorted.flatMap((f) => f.artifacts.map((pa) => ({ pa, file: f.file })));
  const serves = (e: { pa: ParsedArtifact; file: string }): boolean => claims(e.pa.artifact).some((c) => serving.get(c) === e.file);
  const owner = new Map<string, string>();
  const accepted = new Set<ParsedArtifact>();
  for (const e of [...claimed.filter(serves), ...claimed.filter((x) => !serves(x))]) {
    const a = e.pa.artifact;
    const cs = claims(a);
    const taken = cs.find((c) => owner.has(c));
    if (taken !== undefined) {
      const context = a.kind === 'api' && taken === cs[0];
      const what = context ? `API context '${a.context}'` : `${KIND_LABEL[a.kind]} '${a.name}'`;
      diagnostics.push(
        diagnostic(e.file, { line: 1, col: 1 }, context ? Errors.ROUTE_CONFLICT : Errors.DUPLICATE_ARTIFACT, `${what} is already deployed from ${owner.get(taken)}; ${e.file} is not deployed (rename one of them, or remove the other file)`),
      );
      continue;
    }
    for (const c of cs) owner.set(c, e.file);
    accepted.add(e.pa);
  }
  let live: { pa: ParsedArtifact; file: string }[] = claimed.filter((e) => accepted.has(e.pa));
  for (const b of builtins) {
    if (!owner.has(identity(b.artifact))) live.push({ pa: b, file: '<built-in>' });
  }
  // 2. dangling keys (and template endpoints made from their templates), to a fixed point
  for (;;) {
    const names: Record<RefKind, Map<string, Artifact>> = { sequence: new Map(), endpoint: new Map(), localEntry: new Map(), template: new Map(), endpointTemplate: new Map() };
    for (const { pa } of live) {
      const k = refKindOf(pa.artifact);
      if (k) names[k].set(pa.artifact.name, pa.artifact);
    }
    const next = live.filter(({ pa, file }) => {
      const problem = refProblem(pa, names);
      if (problem) diagnostics.push(diagnostic(file, problem.at, problem.spec, problem.message));
      return !problem;
    });
    if (next.length === live.length) break;
    live = next;
  }
  // 3. security policies held in local entries compile now; a proxy whose policy fails stays out
  const entries = new Map<string, LocalEntry>();
  for (const { pa } of live) if (pa.artifact.kind === 'localEntry') entries.set(pa.artifact.name, pa.artifact);
  live = live.filter((l) => {
    const a = l.pa.artifact;
    if (a.kind !== 'proxy' || !needsLinkedPolicy(a)) return true;
    const r = linkProxySecurity(a, (key) => entries.get(key));
    for (const p of r.problems) diagnostics.push(diagnostic(l.file, p, p.spec, p.message, p.severity));
    if (!r.proxy) return false;
    l.pa = { ...l.pa, artifact: r.proxy };
    return true;
  });
  const sequences = new Map<string, Sequence>();
  const endpoints = new Map<string, Endpoint>();
  const localEntries = new Map<string, LocalEntry>();
  const templates = new Map<string, SequenceTemplate>();
  const proxies = new Map<string, ProxyService>();
  const apis = new Map<string, Api>();
  const resources = new Set<string>();
  for (const { pa } of live) {
    for (const r of pa.resources ?? []) resources.add(r);
    const a = pa.artifact;
    switch (a.kind) {
      case 'sequence':
        sequences.set(a.name, a.sequence);
        break;
      case 'endpoint':
        endpoints.set(a.name, a.endpoint);
        break;
      case 'localEntry':
        localEntries.set(a.name, a);
        break;
      case 'template':
        templates.set(a.name, a);
        break;
      case 'proxy':
        proxies.set(a.name, a);
        break;
      case 'api':
        apis.set(a.name, a);
        break;
    }
  }
  return {
    deployment: { sequences, endpoints, localEntries, templates, proxies, apis, router: new ApiRouter([...apis.values()]), resources },
    diagnostics,
    deployed: live.filter((l) => l.file !== '<built-in>').map((l) => l.pa.artifact),
  };
}
