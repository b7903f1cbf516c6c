/**
 * Bootstrap only: configuration -> runtime -> artifacts -> listeners. Returns a handle to stop everything,
 * draining in-flight requests first.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { loadConfig, type Config } from './config/config.js';
import type { LoggerFactory } from './logging/logger.js';
import { setupLogging, type Logging } from './logging/setup.js';
import { Runtime } from './runtime.js';
import { Deployer } from './artifacts/deployer.js';
import { artifactParser } from './artifacts/artifact-parser.js';
import { startHttpListener, type Listener } from './transport/http-server.js';
import { Errors, MiError } from './errors.js';
import { startHttpsListener } from './transport/https-server.js';
import { TrustStore } from './transport/trust-store.js';
import { certificateValidityWarning, tlsSetupError } from './transport/tls-options.js';
import type { LoadedKeyStore } from './security/keystore.js';
import { installGlobalHandlers } from './handlers/global-handlers.js';

export interface StartOptions {
  home: string;
  offset?: number;
  logs?: LoggerFactory;
  /** Overrides the listener port (tests use 0 for a free port). */
  httpPort?: number;
  /** Overrides the HTTPS port; defaults to 0 (free port) when httpPort is 0. */
  httpsPort?: number;
  host?: string;
}

export interface Server {
  readonly runtime: Runtime;
  readonly deployer: Deployer;
  readonly config: Config;
  /** The HTTP port; 0 when [transport.http] listener.enable = false. */
  readonly httpPort: number;
  /** The HTTPS port; undefined when HTTPS did not start (no key store, or it cannot be used). */
  readonly httpsPort: number | undefined;
  stop(): Promise<void>;
}

export function artifactDir(home: string): string {
  return path.join(home, 'synapse-configs', 'default');
}

export async function startServer(opts: StartOptions): Promise<Server> {
  const home = path.resolve(opts.home);
  if (!existsSync(home)) throw new MiError(Errors.HOME_MISSING, `home folder ${home} does not exist`);
  const config = loadConfig(home, { offset: opts.offset });
  let logging: Logging | undefined;
  if (!opts.logs) logging = setupLogging(config);
  const logs = opts.logs ?? logging!.factory;
  const runtime = new Runtime(config, logs, logging?.secrets);
  for (const w of [...config.warnings, ...(logging?.warnings ?? [])]) logs.get('org.wso2.config.mapper.ConfigParser').warn(w);
  const deployer = new Deployer(runtime, artifactDir(home), artifactParser(config));
  deployer.deployAll();
  if (config.server.hotDeployment) await deployer.watch();
  const tls = openTls(config, logs);
  const host = opts.host ?? config.server.bindAddress;
  const listeners: Listener[] = [];
  let http: Listener | undefined;
  let https: Listener | undefined;
  let port = 0;
  try {
    installGlobalHandlers(runtime, deployer.extensions);
    if (config.httpListener.enable) {
      port = opts.httpPort ?? config.ports.http;
      listeners.push((http = await startHttpListener(runtime, port, host, 'http', tls.trust)));
    }
    if (tls.key) {
      port = opts.httpsPort ?? (opts.httpPort === 0 ? 0 : config.ports.https);
      listeners.push((https = await startHttpsListener(runtime, tls.key, port, host, tls.trust)));
    }
    if (listeners.length === 0) throw new MiError(Errors.NO_LISTENER, '[transport.http] listener.enable = false and HTTPS could not start (see above); nothing would serve requests');
  } catch (err) {
    tls.trust?.close();
    await Promise.all(listeners.map((l) => l.close()));
    await deployer.close();
    logging?.stopWatching();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new MiError(Errors.PORT_IN_USE, `port ${port} is already in use; stop the other process or change [server] offset`);
    }
    throw err;
  }
  // external vault credentials are checked in the background: an outage must not stop the start
  void runtime.secrets.verify?.();
  let stopped = false;
  return {
    runtime,
    deployer,
    config,
    httpPort: http?.port ?? 0,
    httpsPort: https?.port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await deployer.close();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, config.server.shutdownGraceMs).unref());
      tls.trust?.close();
      await Promise.race([Promise.all(listeners.map((l) => l.close())), grace]);
      await runtime.destroy();
      logging?.stopWatching();
      await logs.shutdown();
    },
  };
}

const TLS_LOGGER = 'org.apache.synapse.transport.passthru.PassThroughHttpSSLListener';

/**
 * The primary key store for HTTPS (none yet: HTTPS stays off) and the client trust store. A store that
 * cannot be used is logged with its code and leaves HTTPS off rather than stopping HTTP.
 */
function openTls(config: Config, logs: LoggerFactory): { key?: LoadedKeyStore; trust?: TrustStore } {
  const log = logs.get(TLS_LOGGER);
  const lc = config.httpListener;
  let trust: TrustStore | undefined;
  let trustFailed = false;
  if (lc.truststore) {
    try {
      trust = new TrustStore(lc.truststore);
      trust.load();
      trust.watch(
        lc.readIntervalMs,
        () => log.info(`reloaded the client trust store ${lc.truststore!.file} (${trust!.certs.length} certificates)`),
        (err) => log.error(`${err.message}; the previous client certificates stay in use`),
      );
    } catch (err) {
      trust = undefined;
      trustFailed = true;
      log.error(`${Errors.TLS_SETUP.code}  ${tlsSetupError(err).message}`);
    }
  }
  if (!config.security.keystore.settings()) return { trust };
  // mutual TLS without its trust store would let nobody in (require) or nobody be verified (optional)
  if (trustFailed && lc.verifyClient !== 'none') {
    log.error(`${Errors.TLS_SETUP.code}  HTTPS is not started: listener.verify_client = "${lc.verifyClient}" and the trust store cannot be read`);
    return {};
  }
  try {
    const key = config.security.keystore.get();
    const w = certificateValidityWarning(key);
    if (w) log.warn(w);
    return { key, trust };
  } catch (err) {
    log.error(`${Errors.TLS_SETUP.code}  ${tlsSetupError(err).message}`);
    return { trust };
  }
}
