/**
 * Loggers by name (log4j2 style: org.apache.synapse.mediators.builtin.LogMediator, API_LOGGER.Name, ...).
 * The runtime talks to this interface only; log4js sits behind it.
 */
import log4js from 'log4js';

export type Level = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

export interface Logger {
  isEnabled(level: Level): boolean;
  log(level: Level, message: string, error?: Error): void;
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: Error): void;
  fatal(message: string): void;
}

export interface LoggerFactory {
  get(name: string): Logger;
  shutdown(): Promise<void>;
}

class Log4jsLogger implements Logger {
  constructor(private readonly l: log4js.Logger) {}
  isEnabled(level: Level): boolean {
    return this.l.isLevelEnabled(level);
  }
  log(level: Level, message: string): void {
    this.l.log(level, message);
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
  error(m: string): void {
    this.l.error(m);
  }
  fatal(m: string): void {
    this.l.fatal(m);
  }
}

export const CONSOLE_PATTERN = '[%d{yyyy-MM-dd hh:mm:ss,SSS}] %5.5p {%c} - %m';

/** Console logging with Micro Integrator's line layout; `%c` shows the last segment of the logger name. */
export function consoleLoggerFactory(level: Level = 'INFO'): LoggerFactory {
  log4js.configure({
    appenders: { console: { type: 'stdout', layout: { type: 'pattern', pattern: '[%d{yyyy-MM-dd hh:mm:ss,SSS}] %5.5p {%x{cat}} - %m', tokens: { cat: (e: log4js.LoggingEvent) => shortName(e.categoryName) } } } },
    categories: { default: { appenders: ['console'], level } },
  });
  const cache = new Map<string, Logger>();
  return {
    get(name) {
      let l = cache.get(name);
      if (!l) cache.set(name, (l = new Log4jsLogger(log4js.getLogger(name))));
      return l;
    },
    shutdown: () => new Promise<void>((resolve) => log4js.shutdown(() => resolve())),
  };
}

function shortName(n: string): string {
  const i = n.lastIndexOf('.');
  return i < 0 ? n : n.slice(i + 1);
}

/** Collects log lines in memory (tests and `mi validate`). */
export function memoryLoggerFactory(sink: { name: string; level: Level; message: string }[] = []): LoggerFactory & { lines: typeof sink } {
  const mk = (name: string): Logger => {
    const log = (level: Level, message: string): void => {
      sink.push({ name, level, message });
    };
    return {
      isEnabled: () => true,
      log,
      trace: (m) => log('TRACE', m),
      debug: (m) => log('DEBUG', m),
      info: (m) => log('INFO', m),
      warn: (m) => log('WARN', m),
      error: (m) => log('ERROR', m),
      fatal: (m) => log('FATAL', m),
    };
  };
  return { get: mk, shutdown: async () => {}, lines: sink };
}
