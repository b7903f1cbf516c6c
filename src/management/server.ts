/**
 * The management API (Micro Integrator's internal HTTPS API on 9154 + offset) on fastify. With a key
 * store it is HTTPS with the primary key and the listener's TLS settings ([transport.http] protocols and
 * ciphers); without one it is plain HTTP on 127.0.0.1 only, with a warning, and tokens are signed with a
 * per-process key. Timeouts and the body limit are explicit: fastify 5 sets no request timeout.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Server as HttpsServer } from 'node:https';
import { Errors } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { LoadedKeyStore } from '../security/keys/keystore.js';
import { secureContextOptions } from '../security/tls/tls-options.js';
import type { TransactionCounter } from '../transactions/counter.js';
import { authenticateRequest } from './auth.js';
import type { ManagementContext } from './context.js';
import { applyCors } from './cors.js';
import { errorBody, toErrorReply } from './errors.js';
import { maskReply } from '../logging/reply-masker.js';
import { refusePlainHttp } from './plain-http-refusal.js';
import { registerApis } from './resources/apis.js';
import { registerApiClientCertificates } from './resources/api-client-certificates.js';
import { registerEndpoints } from './resources/endpoints.js';
import { registerJwks } from './resources/jwks.js';
import { registerLocalEntries } from './resources/local-entries.js';
import { registerLogging } from './resources/logging.js';
import { registerLogin } from './resources/login.js';
import { registerProxyServices } from './resources/proxy-services.js';
import { registerRoles } from './resources/roles.js';
import { registerSequences } from './resources/sequences.js';
import { registerServerInfo } from './resources/server-info.js';
import { registerTransactions } from './resources/transactions.js';
import { registerUsers } from './resources/users.js';
import type { ManagementSettings } from './settings.js';
import { TokenService } from './tokens.js';
import { MemoryTokenStore, type TokenStore } from './token-store.js';
import { DatabaseTokenStore } from './database-token-store.js';
import type { Database } from '../store/database.js';
import type { Logger } from '../logging/logger.js';

export const MANAGEMENT_LOGGER = 'org.wso2.micro.integrator.management.apis.ManagementInternalApi';
const BODY_LIMIT = 1024 * 1024;
const LOOPBACK = '127.0.0.1';

export interface ManagementApi {
  readonly port: number;
  /** `https://host:9164/management` (or http:// on loopback). */
  readonly url: string;
  readonly secure: boolean;
  close(): Promise<void>;
}

export interface ManagementOptions {
  readonly runtime: Runtime;
  readonly settings: ManagementSettings;
  readonly port: number;
  readonly host: string;
  /** The primary key store: HTTPS and RS256 tokens. Undefined: HTTP on loopback, HS256 tokens. */
  readonly key?: LoadedKeyStore;
  readonly listeners: ManagementContext['listeners'];
  readonly artifactFile: ManagementContext['artifactFile'];
  readonly transactions?: TransactionCounter;
  /** The user store's database: RS256 token ids live there, shared by every node using it. */
  readonly tokenDatabase?: Database;
}

/**
 * RS256 tokens (a key store) are kept in the user store's database, so every node with the same key store
 * and database accepts them, also after a restart. HS256 tokens cannot be checked by another process (the
 * key is this process's), so they stay in memory; with a shared database that deserves a warning.
 */
function tokenStore(opts: ManagementOptions, log: Logger): TokenStore {
  const bounds = { capacity: opts.settings.tokenStoreSize, removeOldest: opts.settings.removeOldestTokenOnOverflow };
  const db = opts.tokenDatabase;
  if (opts.key && db) return new DatabaseTokenStore(db, bounds, log);
  if (db && db.dialect !== 'sqlite' && opts.settings.jwt) {
    log.warn(`${Errors.MGT_TOKENS_PER_PROCESS.code}  the user store is shared (${db.description}) but there is no key store: management tokens are signed with a key of this process and only this node accepts them; give every node the same [keystore.primary]`);
  }
  return new MemoryTokenStore(bounds);
}

export async function startManagementApi(opts: ManagementOptions): Promise<ManagementApi> {
  const { runtime, settings, key } = opts;
  const log = runtime.logs.get(MANAGEMENT_LOGGER);
  const s = runtime.config.server;
  const app = Fastify({
    logger: false,
    https: key ? secureContextOptions(key, runtime.config.httpListener, undefined) : null,
    requestTimeout: s.requestTimeoutMs,
    connectionTimeout: s.requestTimeoutMs,
    keepAliveTimeout: s.keepAliveTimeoutMs,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;
  if (key) refusePlainHttp(app.server as HttpsServer);
  const ctx: ManagementContext = {
    runtime,
    settings,
    tokens: new TokenService({
      keyPair: key ? { privateKey: key.privateKey, publicKey: key.publicKey } : undefined,
      expirySeconds: settings.tokenExpirySeconds,
      store: tokenStore(opts, log),
      storeSize: settings.tokenStoreSize,
    }),
    listeners: opts.listeners,
    startedAt: Date.now(),
    transactions: opts.transactions,
    artifactFile: opts.artifactFile,
    retryAfterSeconds: runtime.auth.retryAfterSeconds,
  };
  app.decorateRequest('principal', null);
  app.addHook('onRequest', applyCors(settings.cors));
  app.addHook('onRequest', authenticateRequest(ctx));
  app.addHook('onSend', async (_req, reply, payload) => {
    // tokens and user lists must not linger in caches
    reply.header('cache-control', 'no-store');
    // what the server writes about itself (errors, endpoint addresses, configurations) never carries a secret
    return typeof payload === 'string' ? maskReply(runtime.logSecrets, payload) : payload;
  });
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toErrorReply(err);
    if (status >= 500 && body.code === Errors.MGT_INTERNAL.code) log.error(`${Errors.MGT_INTERNAL.code}  ${req.method} ${req.url.split('?')[0]} failed: ${(err as Error).message}`, err as Error);
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(errorBody(Errors.MGT_NOT_FOUND, `no management resource ${req.method} ${req.url.split('?')[0]}`));
  });
  for (const register of [registerLogin, registerApis, registerProxyServices, registerSequences, registerEndpoints, registerLocalEntries, registerUsers, registerRoles, registerServerInfo, registerLogging, registerTransactions, registerJwks, registerApiClientCertificates]) {
    register(app, ctx);
  }
  const host = key ? opts.host : LOOPBACK;
  try {
    await app.listen({ port: opts.port, host });
  } catch (err) {
    await app.close().catch(() => {});
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const shown = host === '0.0.0.0' || host === '::' ? runtime.config.server.hostname : host;
  const url = `${key ? 'https' : 'http'}://${shown.includes(':') ? `[${shown}]` : shown}:${port}/management`;
  if (!key) {
    log.warn(
      `${Errors.MGT_PLAIN_HTTP.code}  no key store: the management API is plain HTTP on ${LOOPBACK}:${port} only, and its access tokens are ` +
        'signed with a key that lives as long as this process; run `mi keystore create` for HTTPS on every interface',
    );
  }
  log.info(`management API listening on ${url} (${settings.jwt ? `JWT ${ctx.tokens.algorithm}, tokens valid ${settings.tokenExpirySeconds} s` : 'Basic credentials on every call'})`);
  return { port, url, secure: key !== undefined, close: () => app.close() };
}
