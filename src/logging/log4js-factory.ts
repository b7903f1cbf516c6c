/**
 * A LoggerFactory on log4js configured from the log4j2 model. log4j2 semantics are computed here rather than
 * left to log4js: a logger writes to its own appenders plus, with additivity, those of its nearest configured
 * ancestor (the root included); a level change reaches descendants without their own level. Every appender
 * formats with the compiled PatternLayout and then the SecretMasker, so a known secret never reaches a file.
 */
import log4js from 'log4js';
import type { Level, Logger, LoggerFactory } from './logger.js';
import type { LoggingConfig, ConfigLevel, AppenderSpec } from './log4j2-config.js';
import { compilePattern, type LogEvent } from './pattern-layout.js';
import type { SecretMasker } from './secret-masker.js';
import { workerFileName } from './worker-files.js';

interface Log4jsEvent {
  startTime: Date;
  categoryName: string;
  data: unknown[];
  level: { levelStr: string };
}

const NOOP_APPENDER = { configure: () => () => {} };

class MiLogger implements Logger {
  constructor(
    readonly name: string,
    private readonly l: log4js.Logger,
  ) {}
  isEnabled(level: Level): boolean {
    return this.l.isLevelEnabled(level);
  }
  log(level: Level, message: string, error?: Error, correlationId?: string): void {
    if (correlationId !== undefined) this.l.log(level, message, error, correlationId);
    else if (error) this.l.log(level, message, error);
    else this.l.log(level, message);
  }
  trace(m: string): void {
    this.l.trace(m);
  }
  debug(m: string): void {
    this.l.debug(m);
  }
  info(m: string): void {
    this.l.info(m);
  }
  warn(m: string): void {
    this.l.warn(m);
  }
  error(m: string, err?: Error): void {
    if (err) this.l.error(m, err);
    else this.l.error(m);
  }
  fatal(m: string): void {
    this.l.fatal(m);
  }
  setLevel(level: ConfigLevel): void {
    this.l.level = level;
  }
}

export interface Log4jsFactory extends LoggerFactory {
  /** Changes a logger's level now; descendants without a level of their own follow. */
  setLevel(name: string, level: ConfigLevel): void;
  /** Applies a new configuration (e.g. log4j2.properties edited while running). */
  reconfigure(config: LoggingConfig): void;
  levelOf(name: string): string;
}

/** log4js deep-copies appender configs, so layouts find their masking objects through a key. */
const layoutContexts = new Map<string, { mask: (s: string) => string; secrets: SecretMasker }>();
let nextContext = 0;

function toLog4jsAppender(a: AppenderSpec, context: string): Record<string, unknown> {
  const layout = { type: 'mi-pattern', pattern: a.pattern, context };
  if (a.type === 'Console') return { type: 'stdout', layout };
  const filename = workerFileName(a.fileName!);
  if (a.type === 'File') return { type: 'file', filename, layout, mode: 0o640 };
  return { type: 'file', filename, layout, maxLogSize: a.maxBytes, backups: a.maxFiles, keepFileExt: true, mode: 0o640 };
}

let layoutRegistered = false;
function registerLayout(): void {
  if (layoutRegistered) return;
  layoutRegistered = true;
  log4js.addLayout('mi-pattern', (cfg: unknown) => {
    const { pattern, context } = cfg as { pattern: string; context: string };
    const { mask, secrets } = layoutContexts.get(context)!;
    // log4js appenders add the line end themselves, so a trailing %n is dropped here
    const format = compilePattern(pattern.replace(/%n$/, ''), mask);
    return (ev: Log4jsEvent) => {
      const e: LogEvent = {
        time: ev.startTime,
        level: ev.level.levelStr,
        logger: ev.categoryName,
        message: typeof ev.data[0] === 'string' ? ev.data[0] : String(ev.data[0]),
        error: ev.data[1] instanceof Error ? ev.data[1] : undefined,
        context: typeof ev.data[2] === 'string' ? { 'Correlation-ID': ev.data[2] } : undefined,
      };
      return secrets.mask(format(e));
    };
  });
}

function buildLog4jsConfig(cfg: LoggingConfig, mask: (s: string) => string, secrets: SecretMasker): log4js.Configuration {
  const context = String(nextContext++);
  layoutContexts.clear();
  layoutContexts.set(context, { mask, secrets });
  const appenders: Record<string, Record<string, unknown>> = { __none: { type: NOOP_APPENDER } };
  for (const a of cfg.appenders.values()) {
    if (a.threshold) {
      appenders[`${a.name}__raw`] = toLog4jsAppender(a, context);
      appenders[a.name] = { type: 'logLevelFilter', appender: `${a.name}__raw`, level: a.threshold };
    } else appenders[a.name] = toLog4jsAppender(a, context);
  }
  const byName = new Map(cfg.loggers.map((l) => [l.name, l]));
  const ancestor = (name: string): string | undefined => {
    for (let i = name.lastIndexOf('.'); i > 0; i = name.lastIndexOf('.', i - 1)) {
      const p = name.slice(0, i);
      if (byName.has(p)) return p;
    }
    return undefined;
  };
  const effective = new Map<string, { appenders: string[]; level: string }>();
  const resolve = (name: string): { appenders: string[]; level: string } => {
    const done = effective.get(name);
    if (done) return done;
    const l = byName.get(name)!;
    const parent = ancestor(name);
    const up = parent ? resolve(parent) : { appenders: cfg.root.appenderRefs, level: cfg.root.level };
    const r = { appenders: [...new Set([...l.appenderRefs, ...(l.additivity ? up.appenders : [])])], level: l.level ?? up.level };
    effective.set(name, r);
    return r;
  };
  const categories: Record<string, { appenders: string[]; level: string; inherit: boolean }> = {
    default: { appenders: cfg.root.appenderRefs.length ? cfg.root.appenderRefs : ['__none'], level: cfg.root.level, inherit: false },
  };
  for (const l of cfg.loggers) {
    const r = resolve(l.name);
    categories[l.name] = { appenders: r.appenders.length ? r.appenders : ['__none'], level: r.level, inherit: false };
  }
  // log4js would send a cluster worker's events to the primary to be written there, unmasked by what the
  // worker knows: each process writes its own (worker-files.ts)
  return { appenders, categories, disableClustering: true } as unknown as log4js.Configuration;
}

export function log4jsFactory(initial: LoggingConfig, mask: (s: string) => string, secrets: SecretMasker): Log4jsFactory {
  registerLayout();
  let config = initial;
  let maskFn = mask;
  log4js.configure(buildLog4jsConfig(config, maskFn, secrets));
  const cache = new Map<string, MiLogger>();
  /** Levels set at run time, by logger name, re-applied after a reconfigure. */
  const overrides = new Map<string, ConfigLevel>();
  const explicit = (): Set<string> => new Set([...config.loggers.filter((l) => l.level).map((l) => l.name), ...overrides.keys()]);
  const get = (name: string): MiLogger => {
    let l = cache.get(name);
    if (!l) cache.set(name, (l = new MiLogger(name, log4js.getLogger(name))));
    return l;
  };
  const setLevel = (name: string, level: ConfigLevel): void => {
    overrides.set(name, level);
    const own = explicit();
    get(name).setLevel(level);
    // descendants already looked up hold a copy of their parent's level: update those without their own
    for (const [n, l] of cache) {
      if (n === name || !n.startsWith(name + '.')) continue;
      let owner: string | undefined;
      for (let i = n.length; i > 0; i = n.lastIndexOf('.', i - 1)) {
        const p = n.slice(0, i);
        if (own.has(p)) {
          owner = p;
          break;
        }
      }
      if (owner === name) l.setLevel(level);
    }
  };
  const configured = new Map<string, boolean>();
  const isConfigured = (name: string): boolean => {
    let v = configured.get(name);
    if (v === undefined) {
      const names = new Set(config.loggers.map((l) => l.name));
      v = false;
      for (let n = name; n; n = n.includes('.') ? n.slice(0, n.lastIndexOf('.')) : '') {
        if (names.has(n)) {
          v = true;
          break;
        }
      }
      configured.set(name, v);
    }
    return v;
  };
  return {
    get,
    isConfigured,
    setLevel,
    levelOf: (name) => String(log4js.getLogger(name).level),
    reconfigure(next: LoggingConfig) {
      config = next;
      overrides.clear();
      configured.clear();
      log4js.configure(buildLog4jsConfig(config, maskFn, secrets));
    },
    shutdown: () => new Promise<void>((resolve) => log4js.shutdown(() => resolve())),
  };
}
