/**
 * Loggers by name (log4j2 style: org.apache.synapse.mediators.builtin.LogMediator, API_LOGGER.Name, ...).
 * The runtime talks to this interface only; log4js sits behind it (log4js-factory.ts).
 */
export type Level = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

export interface Logger {
  isEnabled(level: Level): boolean;
  /** correlationId feeds %X{Correlation-ID}; mediation passes the message's id. */
  log(level: Level, message: string, error?: Error, correlationId?: string): void;
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: Error): void;
  fatal(message: string): void;
}

export interface LoggerFactory {
  get(name: string): Logger;
  /** True when the logger or one of its ancestors (not the root) has its own configuration. */
  isConfigured(name: string): boolean;
  shutdown(): Promise<void>;
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
  return { get: mk, isConfigured: () => true, shutdown: async () => {}, lines: sink };
}
