/**
 * `[server] workers = N`: every worker process of `mi start` logs by itself (secrets are masked with what
 * that process knows), so two processes must never rotate one file. A worker writes its own files, the
 * worker number put before the extension: `logs/wso2carbon.log` -> `logs/wso2carbon-worker2.log`. The
 * console stays shared (one line per write).
 */
import path from 'node:path';

/** Set by the primary process on each worker it forks: the worker's number, from 1. */
export const WORKER_ENV = 'MI_WORKER';

/** This process's worker number, or undefined when it is not a worker of `[server] workers`. */
export function workerNumber(): number | undefined {
  const v = process.env[WORKER_ENV];
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** The log file this process writes instead of `file`. */
export function workerFileName(file: string, worker = workerNumber()): string {
  if (worker === undefined) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}-worker${worker}${ext}`;
}
