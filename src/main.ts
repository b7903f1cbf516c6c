/**
 * Bootstrap only: configuration -> runtime -> artifacts -> listeners. Returns a handle to stop everything,
 * draining in-flight requests first.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { loadConfig, type Config } from './config/config.js';
import type { LoggerFactory } from './logging/logger.js';
import { setupLogging, type Logging } from './logging/setup.js';
import { GatewayThrottling } from './security/throttling/gateway-throttling.js';
import { readThrottlingSettings, type ThrottlingSettings } from './security/throttling/tiers.js';
import { openSharedStores, sharedStoreSettings, type SharedStoreSettings } from './store/shared-stores.js';
import { openNonceStore } from './store/redis-nonce-store.js';
import { Runtime } from './runtime.js';
import { Deployer } from './artifacts/deployer.js';
import { artifactParser } from './artifacts/artifact-parser.js';
import { startHttpListener, type Listener } from './transport/http-server.js';
import { Errors, MiError } from './errors.js';
import { startHttpsListener } from './transport/https-server.js';
import { TrustStore } from './security/tls/trust-store.js';
import { certificateValidityWarning, tlsSetupError } from './security/tls/tls-options.js';
import type { LoadedKeyStore } from './security/keys/keystore.js';
import { installGlobalHandlers } from './handlers/global-handlers.js';
import { ensureDevKeyStore } from './security/keys/dev-keystore.js';
import { openStores, type Stores } from './store/stores.js';
import type { Database } from './store/database.js';
import { userStoreSettings } from './security/auth/user-store-config.js';
import { DatabaseUserStore } from './security/auth/database-user-store.js';
import { FileUserStore } from './security/auth/file-user-store.js';
import { AuthenticationService, authenticationOptionsFrom } from './security/auth/authentication-service.js';
import type { Authenticator } from './security/auth/authenticator.js';
import { managementSettings, type ManagementSettings } from './management/settings.js';
import { startManagementApi, type ManagementApi } from './management/server.js';
import { TransactionCounter, TRANSACTION_LOGGER } from './transactions/counter.js';
import { transactionSettings, type TransactionSettings } from './transactions/settings.js';
import { API_SECURITY_LOGGER, GatewaySecurity } from './security/gateway/gateway-security.js';
import { ApiKeyStore } from './security/gateway/api-key-store.js';
import { ApiKeyVerifier } from './security/gateway/api-key-verifier.js';
import { ApiCertificateStore } from './security/gateway/api-certificate-store.js';
import { ApiCertificateRegistry, certificateReloadSeconds } from './security/gateway/api-certificate-registry.js';
import { observabilitySettings, type ObservabilitySettings } from './observability/observability-settings.js';
import { Metrics } from './observability/metrics.js';
import { Readiness, READINESS_LOGGER } from './observability/readiness.js';
import { tracingSettings } from './observability/tracing-settings.js';
import { startTracing } from './observability/start-tracing.js';
import type { Tracing } from './observability/tracing.js';
import { INTERNAL_API_LOGGER, startInternalApi } from './transport/internal-api.js';
import { pingDatabase } from './store/database.js';
import { readOAuth2ServerSettings, type OAuth2ServerSettings } from './security/oauth2/oauth2-server-config.js';
import { startTokenService, TokenServiceMount } from './security/oauth2/start-token-service.js';
import type { TokenService } from './security/oauth2/token-service.js';

export interface StartOptions {
  home: string;
  offset?: number;
  logs?: LoggerFactory;
  /** Overrides the listener port (tests use 0 for a free port). */
  httpPort?: number;
  /** Overrides the HTTPS port; defaults to 0 (free port) when httpPort is 0. */
  httpsPort?: number;
  /** Overrides the management API port (9154 + offset); defaults to 0 (free port) when httpPort is 0. */
  managementPort?: number;
  /** Overrides the internal HTTP API port (probes, metrics: 9191 + offset); defaults to 0 (free port) when httpPort is 0. */
  internalPort?: number;
  host?: string;
  /**
   * `mi start`: when no key store is configured, make the development one once the configuration, logging
   * and databases are known to be good and before the listeners start (so HTTPS is there from the first
   * start), and report its line here.
   */
  onDevKeyStore?: (line: string) => void;
  /** false: no management API in this process (`[server] workers`: only the first worker serves it). */
  managementApi?: boolean;
}

export interface Server {
  readonly runtime: Runtime;
  readonly deployer: Deployer;
  readonly config: Config;
  /** The databases (the user store's, and any [[datasource]] opened on use); closed by stop(). */
  readonly stores: Stores;
  /** The HTTP port; 0 when [transport.http] listener.enable = false. */
  readonly httpPort: number;
  /** The HTTPS port; undefined when HTTPS did not start (no key store, or it cannot be used). */
  readonly httpsPort: number | undefined;
  /** The management API port; undefined when `[management_api] enable = false`. */
  readonly managementPort: number | undefined;
  /** `https://host:9164/management` (http:// on 127.0.0.1 without a key store). */
  readonly managementUrl: string | undefined;
  /** The internal HTTP API port (9191 + offset): /healthz, /liveness, /metric-service/metrics. */
  readonly internalPort: number;
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
  const featureWarnings: string[] = [];
  let throttling: ThrottlingSettings;
  let mgmt: ManagementSettings;
  let txSettings: TransactionSettings;
  let gateway: GatewaySecurity;
  let certReloadSeconds: number;
  let shared: SharedStoreSettings;
  let obs: ObservabilitySettings;
  let tracing: Tracing | undefined;
  let oauth2: OAuth2ServerSettings;
  try {
    throttling = readThrottlingSettings(config.toml, featureWarnings);
    mgmt = managementSettings(config, featureWarnings);
    txSettings = transactionSettings(config.toml, featureWarnings);
    gateway = GatewaySecurity.fromConfig(config, featureWarnings, logs);
    certReloadSeconds = certificateReloadSeconds(config.toml, featureWarnings);
    shared = sharedStoreSettings(config, featureWarnings);
    obs = observabilitySettings(config, featureWarnings);
    // OpenTelemetry: the SDK is imported only when [opentelemetry] enable = true
    const traces = tracingSettings(config, featureWarnings);
    if (traces.enabled) tracing = await startTracing(traces, logs);
    oauth2 = readOAuth2ServerSettings(config.toml);
    // APIs with oauth2 deploy before the token service exists: its issuer is known once HTTPS listens
    if (oauth2.enable && oauth2.trustLocalIssuer) gateway.jwt.expectIssuer();
  } catch (err) {
    logging?.stopWatching();
    throw err;
  }
  for (const w of [...config.warnings, ...(logging?.warnings ?? []), ...featureWarnings]) logs.get('org.wso2.config.mapper.ConfigParser').warn(w);
  // the probes answer from here on: liveness while the databases open and the artifacts deploy, readiness once served
  const host = opts.host ?? config.server.bindAddress;
  const readiness = new Readiness(logs.get(READINESS_LOGGER));
  const metrics = obs.metrics ? new Metrics(obs) : undefined;
  const internalPort = opts.internalPort ?? (opts.httpPort === 0 ? 0 : obs.internalPort);
  const internal = await startInternalApi(internalPort, host, { readiness, metrics, log: logs.get(INTERNAL_API_LOGGER) }).catch((err: NodeJS.ErrnoException) => {
    logging?.stopWatching();
    if (err.code === 'EADDRINUSE') throw new MiError(Errors.PORT_IN_USE, `port ${internalPort} (internal HTTP API) is already in use; stop the other process or change [server] offset`);
    throw err;
  });
  const { stores, auth } = await openUserStores(config, logs).catch(async (err) => {
    await internal.close();
    logging?.stopWatching();
    throw err;
  });
  // every service the runtime holds is built here, before it exists; nothing is added to it later
  const counter = txSettings.enable ? await startTransactionCounter(logs, stores, txSettings) : undefined;
  // API keys live beside the users; the cache is this node's (a revocation elsewhere shows within its TTL)
  const settings = gateway.settings;
  const apiKeys = new ApiKeyVerifier(new ApiKeyStore(stores.users), { ttlSeconds: settings.apiKeyCacheSeconds, maxEntries: settings.tokenCacheSize }, logs.get(API_SECURITY_LOGGER));
  // certificates per API (mi api-cert): re-read every certificate_reload_interval, so every node follows the database
  const apiCertificates = new ApiCertificateRegistry(new ApiCertificateStore(stores.users), logs.get(API_SECURITY_LOGGER), config.httpListener.certificateChainValidation);
  await apiCertificates.start(certReloadSeconds);
  let runtime: Runtime;
  try {
    runtime = new Runtime(config, logs, { logSecrets: logging?.secrets, auth, transactions: counter, gateway, apiKeys, apiCertificates, sharedStores: openSharedStores(shared, logs), metrics, nonces: openNonceStore(shared.nonces, logs), tracing, throttling: GatewayThrottling.fromSettings(throttling, logs) });
  } catch (err) {
    await tracing?.shutdown();
    apiCertificates.stop();
    await counter?.stop();
    await stores.close();
    await internal.close();
    logging?.stopWatching();
    throw err;
  }
  if (opts.onDevKeyStore && !config.security.keystore.settings()) await makeDevKeyStore(config, logs, opts.onDevKeyStore);
  const deployer = new Deployer(runtime, artifactDir(home), artifactParser(config));
  await deployer.deployAllInBackground();
  if (config.server.hotDeployment) await deployer.watch();
  const tls = openTls(config, logs);
  const listeners: Listener[] = [];
  let http: Listener | undefined;
  let https: Listener | undefined;
  let management: ManagementApi | undefined;
  let tokenService: TokenService | undefined;
  const oauth2Mount = oauth2.enable ? new TokenServiceMount() : undefined;
  let port = 0;
  try {
    // the backend JWT's key, now that `mi start` has made the development key store if it had to (MI_API_061)
    runtime.gateway.backendJwt?.loadKey();
    installGlobalHandlers(runtime, deployer.extensions);
    if (config.httpListener.enable) {
      port = opts.httpPort ?? config.ports.http;
      listeners.push((http = await startHttpListener(runtime, port, host, 'http', tls.trust)));
    }
    if (tls.key) {
      port = opts.httpsPort ?? (opts.httpPort === 0 ? 0 : config.ports.https);
      listeners.push((https = await startHttpsListener(runtime, tls.key, port, host, tls.trust, oauth2Mount)));
    }
    if (oauth2Mount) {
      tokenService = oauth2Mount.service = await startTokenService({ settings: oauth2, config, stores, auth, gateway, logs, key: tls.key, httpsPort: https?.port });
    }
    if (listeners.length === 0) throw new MiError(Errors.NO_LISTENER, '[transport.http] listener.enable = false and HTTPS could not start (see above); nothing would serve requests');
    if (mgmt.enable && opts.managementApi !== false) {
      port = opts.managementPort ?? (opts.httpPort === 0 ? 0 : mgmt.port);
      const base = (scheme: string, l: Listener | undefined): string | undefined => (l ? `${scheme}://${config.server.hostname}:${l.port}` : undefined);
      management = await startManagementApi({
        runtime,
        settings: mgmt,
        port,
        host,
        key: tls.key ?? managementKey(config),
        listeners: { http: base('http', http), https: base('https', https) },
        artifactFile: (kind, name) => deployer.last?.deployed.find((a) => a.kind === kind && a.name === name)?.file,
        transactions: counter,
        tokenDatabase: stores.users,
      });
    }
  } catch (err) {
    tls.trust?.close();
    await Promise.all(listeners.map((l) => l.close()));
    await management?.close();
    await tokenService?.close();
    await counter?.stop();
    await deployer.close();
    await stores.close();
    await internal.close();
    logging?.stopWatching();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new MiError(Errors.PORT_IN_USE, `port ${port} is already in use; stop the other process or change [server] offset`);
    }
    throw err;
  }
  // external vault credentials are checked in the background: an outage must not stop the start
  void runtime.secrets.verify?.();
  const served = http ?? https!;
  metrics?.listening(http ? 'http' : 'https', config.server.hostname, served.port);
  readiness.serving({
    faultyArtifacts: () => faultyArtifactFiles(deployer, home),
    databases: () => stores.opened().map((d) => ({ name: d === stores.users ? 'user store' : `datasource ${d.id}`, ping: () => pingDatabase(d) })),
    listeners: () => [
      ...(http ? [{ name: 'http', up: http.listening }] : []),
      ...(https ? [{ name: 'https', up: https.listening }] : []),
    ],
  });
  let stopped = false;
  return {
    runtime,
    deployer,
    config,
    stores,
    httpPort: http?.port ?? 0,
    httpsPort: https?.port,
    managementPort: management?.port,
    managementUrl: management?.url,
    internalPort: internal.port,
    async stop() {
      if (stopped) return;
      stopped = true;
      readiness.stopping();
      await deployer.close();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, config.server.shutdownGraceMs).unref());
      tls.trust?.close();
      await Promise.race([Promise.all([...listeners.map((l) => l.close()), management?.close()]), grace]);
      await runtime.destroy();
      await tokenService?.close();
      // the last counts reach the database before it closes
      await counter?.stop();
      await stores.close();
      // liveness answers to the end
      await internal.close();
      logging?.stopWatching();
      await logs.shutdown();
    },
  };
}

/** The artifact files (relative to the home) with an error in the current deployment: the readiness probe's faulty list. */
function faultyArtifactFiles(deployer: Deployer, home: string): string[] {
  const files = new Set<string>();
  for (const d of deployer.last?.diagnostics ?? []) if (d.severity === 'error') files.add(path.relative(home, d.file));
  return [...files];
}

/**
 * Opens the databases (the user store's is migrated now: unreachable = MI_DB_003, the start stops) and
 * makes runtime.auth check the `[[internal_apis.users]]` file users first, then the database users.
 */
async function openUserStores(config: Config, logs: LoggerFactory): Promise<{ stores: Stores; auth: Authenticator }> {
  const settings = userStoreSettings(config.toml);
  const stores = await openStores(config, logs);
  try {
    const database = await DatabaseUserStore.open(stores.users, settings, logs.get('org.wso2.micro.integrator.security.user.core.jdbc.JDBCUserStoreManager'));
    const files = FileUserStore.fromToml(config.toml, settings.adminRole);
    const auth = new AuthenticationService([files, database], { ...authenticationOptionsFrom(config.toml), adminRole: settings.adminRole, logs });
    return { stores, auth };
  } catch (err) {
    await stores.close();
    throw err;
  }
}

/**
 * `[transaction_counter] enable = true`: counts requests into proxies and APIs from now on. A database
 * that cannot be opened is logged and does not stop the start; counts wait in memory until it can.
 */
async function startTransactionCounter(logs: LoggerFactory, stores: Stores, settings: TransactionSettings): Promise<TransactionCounter> {
  const log = logs.get(TRANSACTION_LOGGER);
  const open = (): Promise<Database> => stores.database(settings.dataSource);
  await open().catch((err: Error) => log.error(`${err instanceof MiError ? err.code : Errors.MGT_TRANSACTIONS_STORE.code}  the transaction counts database cannot be opened (${err.message}); counts are kept in memory until it can`));
  const counter = new TransactionCounter(open, settings.updateIntervalMs, log);
  counter.start();
  return counter;
}

/** A key store that cannot be made leaves HTTPS off, as a missing one does; the start goes on. */
async function makeDevKeyStore(config: Config, logs: LoggerFactory, report: (line: string) => void): Promise<void> {
  try {
    const line = await ensureDevKeyStore(config.home);
    if (line) report(line);
  } catch (err) {
    logs.get(TLS_LOGGER).error(`${Errors.TLS_SETUP.code}  could not create a development key store (HTTPS stays off): ${(err as Error).message}`);
  }
}

/** The primary key store for the management API even when the HTTPS listener did not start; undefined = none usable. */
function managementKey(config: Config): LoadedKeyStore | undefined {
  if (!config.security.keystore.settings()) return undefined;
  try {
    return config.security.keystore.get();
  } catch {
    return undefined; // already reported by openTls
  }
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
