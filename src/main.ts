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

export interface StartOptions {
  home: string;
  offset?: number;
  logs?: LoggerFactory;
  /** Overrides the listener port (tests use 0 for a free port). */
  httpPort?: number;
  host?: string;
}

export interface Server {
  readonly runtime: Runtime;
  readonly deployer: Deployer;
  readonly config: Config;
  readonly httpPort: number;
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
  let http: Listener;
  try {
    http = await startHttpListener(runtime, opts.httpPort ?? config.ports.http, opts.host ?? config.server.bindAddress);
  } catch (err) {
    await deployer.close();
    logging?.stopWatching();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new MiError(Errors.PORT_IN_USE, `port ${opts.httpPort ?? config.ports.http} is already in use; stop the other process or change [server] offset`);
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
    httpPort: http.port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await deployer.close();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, config.server.shutdownGraceMs).unref());
      await Promise.race([http.close(), grace]);
      await runtime.destroy();
      logging?.stopWatching();
      await logs.shutdown();
    },
  };
}
