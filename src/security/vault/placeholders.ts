/**
 * `$env{VAR}`, `$sys{name}` and `$secret{alias}` in any deployment.toml string value, as Micro Integrator's
 * config mapper resolves them. substitute() returns a new document and leaves the parsed one as it was, so
 * the resolution can run in two passes ($env/$sys first, $secret once the key store is known).
 */
import { Errors, MiError } from '../../errors.js';

export type PlaceholderKind = 'env' | 'sys' | 'secret';
/** Returns the value, or throws an MiError that names the placeholder (never a value). */
export type PlaceholderResolver = (name: string, where: string) => string;

type Table = Record<string, unknown>;

const TOKEN = /\$(env|sys|secret)\{([^}]*)\}/g;

function isTable(v: unknown): v is Table {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Replaces the placeholders of the given kinds in every string value (keys are left alone). */
export function substitute(doc: Table, resolvers: Partial<Record<PlaceholderKind, PlaceholderResolver>>): Table {
  const walk = (v: unknown, where: string): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('$')) return v;
      return v.replace(TOKEN, (whole, kind: PlaceholderKind, name: string) => {
        const r = resolvers[kind];
        return r ? r(name.trim(), where) : whole;
      });
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${where}[${i}]`));
    if (isTable(v)) {
      const out: Table = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, where ? `${where}.${k}` : k);
      return out;
    }
    return v;
  };
  return walk(doc, '') as Table;
}

/** True if the value (or anything inside it) refers to $secret{...}. */
export function refersToSecret(v: unknown): boolean {
  if (typeof v === 'string') return /\$secret\{/.test(v);
  if (Array.isArray(v)) return v.some(refersToSecret);
  if (isTable(v)) return Object.values(v).some(refersToSecret);
  return false;
}

export function envResolver(env: NodeJS.ProcessEnv = process.env): PlaceholderResolver {
  return (name, where) => {
    const v = env[name];
    if (v === undefined) throw new MiError(Errors.CONFIG_PLACEHOLDER, `deployment.toml ${where}: environment variable ${name} in $env{${name}} is not set`);
    return v;
  };
}

/**
 * $sys{name}: Micro Integrator reads Java system properties. Here they come from `[system.parameter]` in
 * deployment.toml (the table Micro Integrator uses to set them), plus the few built-ins configs refer to.
 */
export function sysResolver(home: string, doc: Table): PlaceholderResolver {
  const system = doc['system'];
  const params = isTable(system) && isTable(system['parameter']) ? system['parameter'] : {};
  const builtin: Record<string, string | undefined> = {
    'carbon.home': home,
    'mi.home': home,
    'user.dir': process.cwd(),
    'user.home': process.env['HOME'],
    'user.name': process.env['USER'],
    'java.io.tmpdir': process.env['TMPDIR'] ?? '/tmp',
    'os.name': process.platform,
    'file.separator': '/',
  };
  return (name, where) => {
    const p = params[name];
    const v = p !== undefined ? String(p) : builtin[name];
    if (v === undefined) throw new MiError(Errors.CONFIG_PLACEHOLDER, `deployment.toml ${where}: $sys{${name}} is not defined; set it under [system.parameter]`);
    return v;
  };
}
