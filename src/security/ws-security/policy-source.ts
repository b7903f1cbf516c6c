/**
 * Where a proxy's `<policy key>` points. A plain key names a local entry (linked like any other key: the
 * proxy waits until the entry is deployed). Micro Integrator's registry keys name files of its file-based
 * registry: `conf:path` -> HOME/registry/config/path, `gov:path` -> HOME/registry/governance/path,
 * `local:path` -> HOME/registry/local/path; `file:path` is a file under the home (relative to it, or
 * absolute inside it). Such files are read when the proxy deploys. Other forms (http:, remote registries)
 * are refused: a policy is not fetched from the network at deploy time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Errors } from '../../errors.js';
import { parseXml, position, XmlParseError } from '../../xml/dom.js';
import { compilePolicy, type CompiledPolicy } from './compile-policy.js';

export type PolicySource =
  | { readonly kind: 'localEntry'; readonly key: string }
  | { readonly kind: 'file'; readonly key: string; readonly file: string }
  | { readonly kind: 'refused'; readonly key: string; readonly why: string };

const REGISTRY_DIRS: Record<string, string> = { conf: 'config', gov: 'governance', local: 'local' };

function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export function policySource(key: string, home: string): PolicySource {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/.exec(key);
  if (!m) return { kind: 'localEntry', key };
  const scheme = m[1]!;
  const rest = m[2]!;
  const homeDir = path.resolve(home);
  if (scheme in REGISTRY_DIRS) {
    const dir = path.join(homeDir, 'registry', REGISTRY_DIRS[scheme]!);
    const file = path.resolve(dir, rest.replace(/^\/+/, ''));
    if (!inside(dir, file)) return { kind: 'refused', key, why: `'${key}' leaves the registry folder ${dir}` };
    return { kind: 'file', key, file };
  }
  if (scheme === 'file') {
    const p = rest.startsWith('///') ? rest.slice(2) : rest.startsWith('//') ? rest.slice(1) : rest;
    const file = path.isAbsolute(p) ? path.resolve(p) : path.resolve(homeDir, p);
    if (!inside(homeDir, file)) return { kind: 'refused', key, why: `'${key}' is not a file under the home ${homeDir}` };
    return { kind: 'file', key, file };
  }
  return { kind: 'refused', key, why: `'${scheme}:' keys are not supported; use a local entry key, conf:/gov:/local: (HOME/registry) or file: (under the home)` };
}

/** Reads and compiles a policy file; problems that are not in the policy itself point at `at`. */
export function compilePolicyFile(file: string, key: string, at: Node): CompiledPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { plan: undefined, problems: [{ node: at, spec: Errors.WSS_POLICY_INVALID, severity: 'error', message: `policy '${key}' cannot be read from ${file}: ${why}` }] };
  }
  let root: Element;
  try {
    root = parseXml(text).documentElement;
  } catch (err) {
    if (!(err instanceof XmlParseError)) throw err;
    return { plan: undefined, problems: [{ node: at, spec: Errors.WSS_POLICY_INVALID, severity: 'error', message: `policy '${key}' (${file}:${err.problem.line}:${err.problem.col}) is not well-formed XML: ${err.problem.message}` }] };
  }
  const compiled = compilePolicy(root, key);
  // the proxy's <policy> is where the user looks; the policy's own line is in the message
  return {
    plan: compiled.plan,
    problems: compiled.problems.map((p) => ({ ...p, node: at, message: `${p.message} (${file}:${lineOf(p.node)})` })),
  };
}

function lineOf(node: Node): string {
  const { line, col } = position(node);
  return `${line}:${col}`;
}
