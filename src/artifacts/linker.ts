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

export function link(files: readonly ParsedFile[], builtins: readonly ParsedArtifact[] = []): LinkResult {
  const diagnostics: Diagnostic[] = [];
  const sorted = [...files].sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0));
  // 1. duplicates: the first file (by path) wins, later ones fail
  const seen = new Map<string, string>();
  const apiNames = new Map<string, string>();
  let live: { pa: ParsedArtifact; file: string }[] = [];
  for (const f of sorted) {
    for (const pa of f.artifacts) {
      const a = pa.artifact;
      const id = identity(a);
      const prev = seen.get(id) ?? (a.kind === 'api' ? apiNames.get(a.name) : undefined);
      if (prev !== undefined) {
        const what = a.kind === 'api' && seen.has(id) ? `API context '${a.context}'` : `${a.kind} '${a.name}'`;
        diagnostics.push(diagnostic(f.file, { line: 1, col: 1 }, a.kind === 'api' && seen.has(id) ? Errors.ROUTE_CONFLICT : Errors.DUPLICATE_ARTIFACT, `${what} is already deployed from ${prev}; not deployed`));
        continue;
      }
      seen.set(id, f.file);
      if (a.kind === 'api') apiNames.set(a.name, f.file);
      live.push({ pa, file: f.file });
    }
  }
  for (const b of builtins) {
    if (!seen.has(identity(b.artifact))) live.push({ pa: b, file: '<built-in>' });
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
  for (const { pa } of live) {
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
    deployment: { sequences, endpoints, localEntries, templates, proxies, apis, router: new ApiRouter([...apis.values()]) },
    diagnostics,
    deployed: live.filter((l) => l.file !== '<built-in>').map((l) => l.pa.artifact),
  };
}
