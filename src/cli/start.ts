/** `mi start`: run the runtime on a home folder until SIGTERM/SIGINT, then drain and exit 0. */
import { startServer } from '../main.js';
import { MiError } from '../errors.js';
import { ensureDevKeyStore } from '../security/dev-keystore.js';

export async function startCommand(opts: { home: string; offset?: string }): Promise<void> {
  const t0 = Date.now();
  let server;
  try {
    server = await startServer({ home: opts.home, offset: opts.offset !== undefined ? Number(opts.offset) : undefined });
  } catch (err) {
    process.stderr.write(`mi: ${err instanceof MiError ? `${err.code}  ` : ''}${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const last = server.deployer.last!;
  const failed = last.diagnostics.filter((d) => d.severity === 'error').length;
  process.stdout.write(
    `mi: ready on http://${server.config.server.bindAddress}:${server.httpPort} ` +
      `(${last.deployed.length} artifacts deployed${failed ? `, ${failed} problems reported above` : ''}, ` +
      `hot deployment ${server.config.server.hotDeployment ? 'on' : 'off'}) in ${Date.now() - t0} ms\n`,
  );
  if (!server.config.security.keystore.settings()) {
    // first start without a key store: make the development one off the main thread, without delaying ready
    ensureDevKeyStore(server.config.home).then(
      (line) => line && process.stdout.write(`mi: ${line}\n`),
      (err) => process.stderr.write(`mi: ${err instanceof MiError ? `${err.code}  ` : ''}could not create a development key store: ${(err as Error).message}\n`),
    );
  }
  let stopping = false;
  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`mi: ${sig} received, draining ${server.runtime.inFlight} in-flight request(s)\n`);
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
