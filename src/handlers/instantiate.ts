/**
 * From `class="..."` and its properties to one live instance: the name resolves to a built-in first, then to
 * a module export under extensions/. A class gets the properties as a record in its constructor, and then
 * each one again the way Micro Integrator calls bean setters: `setName(value)` if the instance has it, else
 * the field `name`, plus `addProperty(name, value)` when defined. A plain object export is used as the
 * prototype of the instance, so two APIs never share property fields.
 */
import type { CompiledModule } from './compile.js';
import type { HandlerProperties } from '../context/handler-contract.js';
import { Errors, MiError } from '../errors.js';
import { ExtensionError } from './extension-error.js';
import { isModuleSpec, type ExtensionLoader } from './extension-loader.js';
import { whereThrown } from './stack-trace.js';

export interface ExtensionKind {
  /** For messages: 'handler', 'global handler', 'class mediator'. */
  readonly label: string;
  /** Built-in classes by their Micro Integrator class name. */
  readonly builtins: ReadonlyMap<string, unknown>;
  /** Method names an instance must have: all of them when `all`, else at least one. */
  readonly methods: readonly string[];
  readonly all: boolean;
}

/** One instance with where it came from (its module, for stack traces). */
export interface Extension<T> {
  readonly spec: string;
  readonly instance: T;
  readonly module: CompiledModule | undefined;
}

type Instance = Record<string, unknown>;

function describe(err: unknown, module: CompiledModule | undefined): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const where = module ? whereThrown(e, module.file, module.sourceMap) : undefined;
  return `${e.message}${where ? ` (at ${where})` : ''}`;
}

export function createExtension<T>(spec: string, props: HandlerProperties, kind: ExtensionKind, loader: ExtensionLoader, user: string): Extension<T> {
  let value: unknown;
  let module: CompiledModule | undefined;
  if (kind.builtins.has(spec)) value = kind.builtins.get(spec);
  else if (isModuleSpec(spec)) ({ value, module } = loader.load(spec, user));
  else {
    const known = [...kind.builtins.keys()];
    throw new ExtensionError(
      Errors.EXTENSION_NOT_FOUND,
      `'${spec}' is not a built-in ${kind.label}${known.length ? ` (built-ins: ${known.join(', ')})` : ''}; Java classes do not run here: write it in TypeScript under extensions/ and name it as extensions/name.ts or extensions/name.ts#ExportName`,
    );
  }
  let inst: Instance;
  try {
    if (typeof value === 'function') inst = new (value as new (p: HandlerProperties) => Instance)(props);
    else if (value && typeof value === 'object') inst = Object.create(value) as Instance;
    else throw new ExtensionError(Errors.EXTENSION_INVALID, `'${spec}' exports a ${typeof value}, not a class or an object`);
  } catch (err) {
    if (err instanceof MiError) throw err;
    throw new ExtensionError(Errors.EXTENSION_INVALID, `the ${kind.label} '${spec}' could not be created: ${describe(err, module)}`, [], { cause: err });
  }
  for (const name of Object.keys(props)) {
    const v = props[name];
    const setter = `set${name.charAt(0).toUpperCase()}${name.slice(1)}`;
    try {
      if (typeof inst['addProperty'] === 'function') (inst['addProperty'] as (n: string, v: unknown) => void)(name, v);
      if (typeof inst[setter] === 'function') (inst[setter] as (v: unknown) => void)(v);
      else if (typeof inst[name] === 'function') throw new Error(`property '${name}' would replace the method of that name`);
      else inst[name] = v;
    } catch (err) {
      throw new ExtensionError(Errors.EXTENSION_INVALID, `the ${kind.label} '${spec}' refused property '${name}': ${describe(err, module)}`, [], { cause: err });
    }
  }
  const has = kind.methods.filter((m) => typeof inst[m] === 'function');
  if (kind.all ? has.length !== kind.methods.length : has.length === 0) {
    throw new ExtensionError(
      Errors.EXTENSION_INVALID,
      `'${spec}' is not a ${kind.label}: it needs ${kind.all ? '' : 'one of '}${kind.methods.map((m) => `${m}(mc)`).join(kind.all ? ' and ' : ', ')}`,
    );
  }
  return { spec, instance: inst as T, module };
}
