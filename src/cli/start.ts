/**
 * `mi start`: run the runtime on a home folder until SIGTERM/SIGINT, then drain and exit 0. With
 * `[server] workers` above 1 this process becomes the primary of that many workers (workers.ts), each of
 * which runs this same command.
 */
import cluster from 'node:cluster';
import { loadConfig } from '../config/config.js';
import { workerNumber } from '../logging/worker-files.js';
import { startServer } from '../main.js';
import { reportError } from './report-error.js';
import { runWorkers, type ReadyMessage } from './workers.js';

/** Time after the grace period for closing connections, databases and log files before the process exits anyway. */
const SHUTDOWN_MARGIN_MS = 2000;

export async function startCommand(opts: { home: string; offset?: string }): Promise<void> {
  const t0 = Date.now();
  const offset = opts.offset !== undefined ? Number(opts.offset) : undefined;
  const worker = cluster.isPrimary ? undefined : workerNumber();
  if (cluster.isPrimary) {
    let workers: number;
    try {
      const config = loadConfig(opts.home, { offset });
      workers = config.server.workers;
      if (workers > 1) return runWorkers(workers, config.server.shutdownGraceMs, t0);
    } catch (err) {
      reportError(err);
      return;
    }
  }
  let server;
  try {
    server = await startServer({
      home: opts.home,
      offset,
      // the first worker starts alone: it makes the development key store the others then find
      onDevKeyStore: worker === undefined || worker === 1 ? (line) => process.stdout.write(`mi: ${line}\n`) : undefined,
      managementApi: worker === undefined || worker === 1,
    });
  } catch (err) {
    reportError(err);
    // a worker's channel to the primary would keep it alive
    if (worker !== undefined) process.exit(1);
    return;
  }
  // before the ready line: whoever reads it may signal at once, and an unhandled SIGTERM kills without draining
  let stopping = false;
  const tag = worker === undefined ? 'mi:' : `mi: worker ${worker}:`;
  const stop = (sig: string): void => {
    if (stopping) {
      process.stdout.write(`${tag} ${sig} received again, exiting without waiting for the drain\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${tag} ${sig} received, draining ${server.runtime.inFlight} in-flight request(s)\n`);
    // the drain waits up to the grace period for requests; closing backend connections and databases after it
    // may wait on a backend that never answers, so the process ends at this deadline whatever is still open
    const deadline = server.config.server.shutdownGraceMs + SHUTDOWN_MARGIN_MS;
    setTimeout(() => {
      process.stdout.write(`${tag} still stopping ${deadline} ms after ${sig} (grace period + ${SHUTDOWN_MARGIN_MS} ms); exiting with ${server.runtime.inFlight} request(s) unfinished\n`);
      process.exit(1);
    }, deadline).unref();
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (worker === undefined) {
    process.on('SIGINT', () => stop('SIGINT'));
  } else {
    // Ctrl-C reaches the whole process group: the primary turns it into one SIGTERM per worker
    process.on('SIGINT', () => {});
    // the primary is gone (killed): nothing hands this worker connections any more
    process.on('disconnect', () => {
      if (!stopping) stop('disconnect');
    });
  }
  // an extension's detached callback (a timer, an event handler) must not take the server down: log it once
  // through the runtime's loggers (so secrets stay masked) and keep serving
  const onStray = (err: unknown): void => {
    const e = err instanceof Error ? err : new Error(String(err));
    server.runtime.logs.get('org.apache.synapse.core.axis2.ProxyServiceMessageReceiver').error(`MI_MED_001 an error escaped mediation and was contained: ${e.message}`, e);
  };
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);
  const last = server.deployer.last!;
  const failed = last.diagnostics.filter((d) => d.severity === 'error').length;
  const line =
    `ready on ${listenerUrls(server)} ` +
    `(${last.deployed.length} artifacts deployed${failed ? `, ${failed} problems reported above` : ''}, ` +
    `hot deployment ${server.config.server.hotDeployment ? 'on' : 'off'}) in ${Date.now() - t0} ms` +
    (server.managementUrl ? `; management API on ${server.managementUrl}` : '') +
    // the probes and Prometheus (internal HTTP API, 9191 + offset)
    `; ${server.runtime.metrics ? 'health and metrics' : 'health'} on http://${server.config.server.bindAddress}:${server.internalPort}`;
  if (worker === undefined) process.stdout.write(`mi: ${line}\n`);
  else process.send!({ mi: 'ready', line } satisfies ReadyMessage);
}

/** `http://host:8290, https://host:8253`: only the listeners that started. */
function listenerUrls(server: { config: { server: { bindAddress: string } }; httpPort: number; httpsPort: number | undefined }): string {
  const host = server.config.server.bindAddress;
  const urls = [];
  if (server.httpPort) urls.push(`http://${host}:${server.httpPort}`);
  if (server.httpsPort !== undefined) urls.push(`https://${host}:${server.httpsPort}`);
  return urls.join(', ');
}

