/**
 * log4j2.properties -> a logging model: appenders (Console, File, RollingFile with a pattern layout and an
 * optional threshold filter) and loggers (level, appender refs, additivity) plus the root logger. Keys are
 * the ones Micro Integrator's file uses; unknown keys are returned as warnings, not errors. `${sys:x}` and
 * `${env:x}` are substituted (logfiles.home = HOME/logs, carbon.home = HOME).
 */
import path from 'node:path';
import type { Level } from './logger.js';
import { parseProperties } from './properties-file.js';

export const LEVELS: readonly string[] = ['ALL', 'TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'OFF'];
export type ConfigLevel = Level | 'ALL' | 'OFF';

export interface AppenderSpec {
  name: string;
  type: 'Console' | 'File' | 'RollingFile';
  fileName?: string;
  pattern: string;
  threshold?: ConfigLevel;
  /** RollingFile: roll when the file passes this many bytes; keep this many old files. */
  maxBytes?: number;
  maxFiles?: number;
}

export interface LoggerSpec {
  name: string;
  level?: ConfigLevel;
  appenderRefs: string[];
  additivity: boolean;
}

export interface LoggingConfig {
  appenders: Map<string, AppenderSpec>;
  loggers: LoggerSpec[];
  root: { level: ConfigLevel; appenderRefs: string[] };
  warnings: string[];
}

export class LoggingConfigError extends Error {}

const SKIPPED_TYPES = new Set(['PaxOsgi']);

const SIZE = /^(\d{1,15}(?:\.\d{1,15})?)\s*(B|KB|MB|GB)?$/i;
function parseSize(s: string, where: string): number {
  const m = SIZE.exec(s.trim());
  const n = m ? Math.round(Number(m[1]) * { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[(m[2] ?? 'B').toUpperCase() as 'B']) : NaN;
  if (!(n >= 1 && n <= Number.MAX_SAFE_INTEGER)) throw new LoggingConfigError(`${where}: size '${s}' is not like 10MB`);
  return n;
}

/** Rolled files to keep: log4j2's DefaultRolloverStrategy max. */
function parseCount(s: string, where: string): number {
  const t = s.trim();
  if (!/^\d{1,6}$/.test(t)) throw new LoggingConfigError(`${where}: '${s}' is not a number of files (0 to 999999)`);
  return Number(t);
}

/**
 * The keys holding `marker`, by what comes before it: `logger.x.appenderRef.a.ref` is filed under `logger.x`.
 * One pass over the keys, rather than one per logger (ids may hold dots, as log4j2 allows).
 */
function attributeIndex(keys: Iterable<string>, marker: string): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const k of keys) {
    const at = k.indexOf(marker);
    if (at <= 0) continue;
    const owner = k.slice(0, at);
    const list = index.get(owner);
    if (list) list.push(k);
    else index.set(owner, [k]);
  }
  return index;
}

function level(v: string, where: string): ConfigLevel {
  const u = v.trim().toUpperCase();
  if (!LEVELS.includes(u)) throw new LoggingConfigError(`${where}: '${v}' is not a level (${LEVELS.join(', ')})`);
  return u as ConfigLevel;
}

export function substitute(value: string, home: string): string {
  return value.replace(/\$\{(sys|env):([^}:]+)(?::-([^}]*))?\}/g, (_m, kind: string, name: string, dflt?: string) => {
    if (kind === 'env') return process.env[name] ?? dflt ?? '';
    if (name === 'logfiles.home') return path.join(home, 'logs');
    if (name === 'carbon.home' || name === 'mi.home') return home;
    return dflt ?? '';
  });
}

export function parseLog4j2(text: string, file: string, home: string): LoggingConfig {
  const props = new Map<string, { value: string; line: number }>();
  for (const p of parseProperties(text)) props.set(p.key, { value: substitute(p.value, home), line: p.line });
  const used = new Set<string>();
  const get = (k: string): string | undefined => {
    const v = props.get(k);
    if (v) used.add(k);
    return v?.value;
  };
  const where = (k: string): string => `${file}:${props.get(k)?.line ?? 0}`;
  const list = (k: string): string[] => (get(k) ?? '').split(',').map((s) => s.trim()).filter(Boolean);

  const appenders = new Map<string, AppenderSpec>();
  const skipped = new Set<string>();
  /** First segment of the ids of skipped appenders: their keys are not warned about. */
  const skippedIds = new Set<string>();
  const warnings: string[] = [];
  for (const id of list('appenders')) {
    const p = `appender.${id}.`;
    const type = get(p + 'type');
    if (type === undefined) throw new LoggingConfigError(`${file}: appender '${id}' is listed in 'appenders' but ${p}type is missing`);
    if (SKIPPED_TYPES.has(type)) {
      // Micro Integrator's OSGi log bridge: nothing to bridge here
      skipped.add(get(p + 'name') ?? id);
      skippedIds.add(id.split('.')[0]!);
      warnings.push(`${where(p + 'type')}: appender '${id}' of type ${type} has no meaning here and is skipped`);
      continue;
    }
    if (type !== 'Console' && type !== 'File' && type !== 'RollingFile') {
      throw new LoggingConfigError(`${where(p + 'type')}: appender type '${type}' is not supported (Console, File, RollingFile)`);
    }
    const name = get(p + 'name') ?? id;
    const layoutType = get(p + 'layout.type');
    if (layoutType !== undefined && layoutType !== 'PatternLayout') throw new LoggingConfigError(`${where(p + 'layout.type')}: only PatternLayout is supported`);
    const spec: AppenderSpec = { name, type, pattern: get(p + 'layout.pattern') ?? '%m%n' };
    if (type !== 'Console') {
      spec.fileName = get(p + 'fileName');
      if (!spec.fileName) throw new LoggingConfigError(`${file}: appender '${id}' (${type}) needs ${p}fileName`);
      if (!path.isAbsolute(spec.fileName)) spec.fileName = path.join(home, spec.fileName);
    }
    get(p + 'filePattern');
    get(p + 'policies.type');
    get(p + 'policies.time.type');
    get(p + 'policies.time.interval');
    get(p + 'policies.time.modulate');
    get(p + 'policies.size.type');
    get(p + 'strategy.type');
    get(p + 'append');
    get(p + 'target');
    get(p + 'layout.alwaysWriteExceptions');
    get(p + 'filter.threshold.type');
    get(p + 'filter.threshold.onMatch');
    get(p + 'filter.threshold.onMismatch');
    const size = get(p + 'policies.size.size');
    if (type === 'RollingFile') {
      spec.maxBytes = size ? parseSize(size, where(p + 'policies.size.size')) : 10 * 1024 * 1024;
      const max = get(p + 'strategy.max');
      spec.maxFiles = max ? parseCount(max, where(p + 'strategy.max')) : 20;
    }
    const th = get(p + 'filter.threshold.level');
    if (th) spec.threshold = level(th, where(p + 'filter.threshold.level'));
    appenders.set(name, spec);
  }
  const refKeys = attributeIndex(props.keys(), '.appenderRef.');
  /** `owner` is `logger.<id>` or `rootLogger`. */
  const refs = (owner: string): string[] => {
    const out: string[] = [];
    for (const k of refKeys.get(owner) ?? []) {
      if (k.endsWith('.ref')) out.push(get(k)!);
      if (k.endsWith('.type')) used.add(k);
    }
    const single = get(`${owner}.appenderRef`);
    if (single) out.push(...single.split(',').map((s) => s.trim()));
    for (let i = out.length - 1; i >= 0; i--) if (skipped.has(out[i]!)) out.splice(i, 1);
    for (const r of out) {
      if (!appenders.has(r)) throw new LoggingConfigError(`${file}: ${owner}.appenderRef... refers to appender '${r}', which is not defined in 'appenders'`);
    }
    return out;
  };
  const loggers: LoggerSpec[] = [];
  for (const id of list('loggers')) {
    const p = `logger.${id}.`;
    const name = get(p + 'name');
    if (!name) throw new LoggingConfigError(`${file}: logger '${id}' is listed in 'loggers' but ${p}name is missing`);
    const lv = get(p + 'level');
    const add = get(p + 'additivity');
    loggers.push({ name, level: lv ? level(lv, where(p + 'level')) : undefined, appenderRefs: refs(`logger.${id}`), additivity: add === undefined ? true : add.trim() === 'true' });
  }
  const rootLevel = get('rootLogger.level') ?? get('rootLogger') ?? 'INFO';
  const root = { level: level(rootLevel.split(',')[0]!, where('rootLogger.level')), appenderRefs: refs('rootLogger') };
  const skippedKey = (k: string): boolean => {
    if (!skippedIds.size || !k.startsWith('appender.')) return false;
    const dot = k.indexOf('.', 9);
    return dot > 0 && skippedIds.has(k.slice(9, dot));
  };
  for (const [k, v] of props) {
    if (used.has(k) || k.startsWith('property.') || k === 'status' || k === 'name' || k === 'monitorInterval' || k === 'dest' || skippedKey(k)) continue;
    warnings.push(`${file}:${v.line}: unknown key '${k}' is ignored`);
  }
  return { appenders, loggers, root, warnings };
}
