/**
 * Global handlers, Micro Integrator's Synapse handlers, declared in deployment.toml:
 *
 *   [[synapse_handlers]]
 *   name = "Audit"
 *   class = "extensions/audit.ts#Audit"
 *   properties = { level = "full" }      # optional: strings given to the constructor and set as fields
 *
 * Every message of every proxy, API and the main sequence passes their hooks, in the order declared:
 * request-in (before anything), request-out (before a send to an endpoint), response-in (when the endpoint
 * answered), response-out (the reply, before it leaves). A handler that cannot be loaded stops the start
 * (MI_HDL_007): a security handler must never be skipped. Editing its module reloads it; a broken edit is
 * logged and the previous version keeps running.
 */
import type { Config } from '../config/config.js';
import type { LoggerFactory } from '../logging/logger.js';
import { Errors, MiError } from '../errors.js';
import { BUILTIN_GLOBAL_HANDLERS } from './builtins.js';
import type { GlobalHandler } from '../context/handler-contract.js';
import type { ExtensionLoader } from './extension-loader.js';
import { HookChain } from './hook-chain.js';
import { createExtension, type Extension, type ExtensionKind } from './instantiate.js';

export const GLOBAL_HANDLER_LOGGER = 'org.apache.synapse.AbstractSynapseHandler';
/** The loader's name for the toml section as a user of modules (artifact files are the other users). */
const USER = '[[synapse_handlers]]';
const KEYS = new Set(['name', 'class', 'properties']);

const KIND: ExtensionKind = {
  label: 'global handler',
  builtins: BUILTIN_GLOBAL_HANDLERS,
  methods: ['handleRequestInFlow', 'handleRequestOutFlow', 'handleResponseInFlow', 'handleResponseOutFlow'],
  all: false,
};

export interface SynapseHandlerEntry {
  readonly name: string;
  readonly className: string;
  readonly properties: Readonly<Record<string, string>>;
}

function bad(message: string): MiError {
  return new MiError(Errors.SYNAPSE_HANDLERS_CONFIG, message);
}

export function readSynapseHandlers(toml: Record<string, unknown>): SynapseHandlerEntry[] {
  const list = toml['synapse_handlers'];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw bad('synapse_handlers must be an array of tables: write each one as [[synapse_handlers]]');
  const names = new Set<string>();
  return list.map((raw, i) => {
    const where = `[[synapse_handlers]] #${i + 1}`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad(`${where} must be a table`);
    const t = raw as Record<string, unknown>;
    for (const k of Object.keys(t)) if (!KEYS.has(k)) throw bad(`${where}: unknown key '${k}'; known keys: ${[...KEYS].join(', ')}`);
    const name = t['name'];
    const cls = t['class'];
    if (typeof name !== 'string' || !name.trim()) throw bad(`${where} needs name = "..."`);
    if (typeof cls !== 'string' || !cls.trim()) throw bad(`${where} ('${name}') needs class = "extensions/name.ts#ExportName"`);
    if (names.has(name)) throw bad(`${where}: the name '${name}' is used twice`);
    names.add(name);
    const props = t['properties'] ?? {};
    if (typeof props !== 'object' || Array.isArray(props)) throw bad(`${where} ('${name}'): properties must be a table`);
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(props as Record<string, unknown>)) {
      if (typeof v === 'object') throw bad(`${where} ('${name}'): property '${k}' must be a string, number or boolean`);
      properties[k] = String(v);
    }
    return { name, className: cls.trim(), properties: Object.freeze(properties) };
  });
}

/** The hook chains of the installed global handlers; a chain is undefined when no handler has that hook. */
export class GlobalHandlers {
  readonly requestIn: HookChain | undefined;
  readonly requestOut: HookChain | undefined;
  readonly responseIn: HookChain | undefined;
  readonly responseOut: HookChain | undefined;

  constructor(readonly handlers: readonly Extension<GlobalHandler>[]) {
    const owner = 'the global handlers';
    this.requestIn = HookChain.of(owner, 'handleRequestInFlow', GLOBAL_HANDLER_LOGGER, handlers);
    this.requestOut = HookChain.of(owner, 'handleRequestOutFlow', GLOBAL_HANDLER_LOGGER, handlers);
    this.responseIn = HookChain.of(owner, 'handleResponseInFlow', GLOBAL_HANDLER_LOGGER, handlers);
    this.responseOut = HookChain.of(owner, 'handleResponseOutFlow', GLOBAL_HANDLER_LOGGER, handlers);
  }
}

/** Where the global handlers are installed: the runtime's `globalHandlers` member. */
export interface GlobalHandlerHost {
  readonly config: Config;
  readonly logs: LoggerFactory;
  globalHandlers: GlobalHandlers | undefined;
}

function build(entries: readonly SynapseHandlerEntry[], loader: ExtensionLoader): GlobalHandlers {
  loader.forget(USER);
  return new GlobalHandlers(
    entries.map((e) => {
      try {
        return createExtension<GlobalHandler>(e.className, e.properties, KIND, loader, USER);
      } catch (err) {
        if (err instanceof MiError) throw new MiError(Errors.SYNAPSE_HANDLERS_CONFIG, `[[synapse_handlers]] '${e.name}': ${err.code}  ${err.message}`, { cause: err });
        throw err;
      }
    }),
  );
}

/**
 * Loads the `[[synapse_handlers]]` of the runtime's deployment.toml (and checks `[extensions]`); throws
 * MiError when one cannot be loaded. Later edits of their modules, reported by `loader`, reload them.
 * Returns a function that stops following those edits.
 */
export function installGlobalHandlers(runtime: GlobalHandlerHost, loader: ExtensionLoader): () => void {
  const entries = readSynapseHandlers(runtime.config.toml);
  if (!entries.length) return () => {};
  runtime.globalHandlers = build(entries, loader);
  const log = runtime.logs.get(GLOBAL_HANDLER_LOGGER);
  log.info(`Global handlers installed: ${entries.map((e) => `${e.name} (${e.className})`).join(', ')}`);
  return loader.onChange((affected) => {
    if (!affected.has(USER)) return;
    try {
      runtime.globalHandlers = build(entries, loader);
      log.info('Global handlers reloaded after a change of their modules');
    } catch (err) {
      log.error(`Global handlers not reloaded, the previous version keeps running: ${(err as Error).message}`);
    }
  });
}
