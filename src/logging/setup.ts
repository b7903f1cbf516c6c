/**
 * Logging from HOME/deployment/log4j2.properties (or the packaged default) and [masking_pattern.properties]
 * in deployment.toml. Checks up front what would otherwise fail later and quietly: a bad pattern, a bad
 * regex, a log folder that cannot be written. Editing log4j2.properties while running applies the new
 * levels and appenders within about a second; a broken edit is reported and the running setup is kept.
 */
import { workerFileName } from './worker-files.js';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, unwatchFile, watchFile } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { Errors, MiError } from '../errors.js';
import { parseLog4j2, LoggingConfigError, type LoggingConfig } from './log4j2-config.js';
import { compilePattern, PatternError } from './pattern-layout.js';
import { compileMaskRules, maskWith, MaskingConfigError } from './masking.js';
import { log4jsFactory, type Log4jsFactory } from './log4js-factory.js';
import { SecretMasker } from './secret-masker.js';
import { defaultLog4j2Text } from './default-log4j2.js';

export class LoggingSetupError extends MiError {
  constructor(message: string) {
    super(Errors.LOGGING_CONFIG, message);
  }
}

export interface Logging {
  factory: Log4jsFactory;
  secrets: SecretMasker;
  file: string | undefined;
  /** Warnings found in the configuration (unknown keys), to log once the loggers exist. */
  warnings: string[];
  stopWatching(): void;
}

function checkWritable(cfg: LoggingConfig): void {
  for (const a of cfg.appenders.values()) {
    if (!a.fileName) continue;
    const file = workerFileName(a.fileName);
    const dir = path.dirname(file);
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      closeSync(openSync(file, 'a', 0o640));
    } catch (err) {
      throw new LoggingSetupError(`appender ${a.name}: cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; fix the folder permissions or change fileName in log4j2.properties`);
    }
  }
}

/** log4j2.properties text -> the logging model, its patterns compiled once to check them; problems are MI_LOG_001. */
export function readLoggingConfig(text: string, file: string, home: string): LoggingConfig {
  try {
    const cfg = parseLog4j2(text, file, home);
    for (const a of cfg.appenders.values()) {
      try {
        compilePattern(a.pattern, (s) => s);
      } catch (err) {
        if (err instanceof PatternError) throw new LoggingConfigError(`${file}: appender ${a.name}: ${err.message}`);
        throw err;
      }
    }
    return cfg;
  } catch (err) {
    if (err instanceof LoggingConfigError) throw new LoggingSetupError(err.message);
    throw err;
  }
}

export function setupLogging(config: Config, opts: { watch?: boolean } = {}): Logging {
  const candidate = path.join(config.home, 'deployment', 'log4j2.properties');
  const file = existsSync(candidate) ? candidate : undefined;
  const label = file ?? 'default log4j2.properties';
  let cfg: LoggingConfig;
  let mask: (s: string) => string;
  try {
    cfg = readLoggingConfig(file ? readFileSync(file, 'utf8') : defaultLog4j2Text(), label, config.home);
    mask = maskWith(compileMaskRules(config.toml['masking_pattern'] ? ((config.toml['masking_pattern'] as Record<string, unknown>)['properties'] as Record<string, unknown>) : undefined));
  } catch (err) {
    if (err instanceof MaskingConfigError) throw new LoggingSetupError(err.message);
    throw err;
  }
  checkWritable(cfg);
  const secrets = new SecretMasker();
  const factory = log4jsFactory(cfg, mask, secrets);
  let stop = (): void => {};
  if (file && opts.watch !== false) {
    const onChange = (): void => {
      const log = factory.get('org.apache.logging.log4j.config');
      try {
        const next = readLoggingConfig(readFileSync(file, 'utf8'), file, config.home);
        checkWritable(next);
        factory.reconfigure(next);
        log.info(`Reconfigured logging from ${file}`);
      } catch (err) {
        log.error(`${(err as Error).message}; the previous logging configuration stays in effect`);
      }
    };
    watchFile(file, { interval: 500 }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs) onChange();
    });
    stop = () => unwatchFile(file);
  }
  return { factory, secrets, file, warnings: cfg.warnings, stopWatching: stop };
}
