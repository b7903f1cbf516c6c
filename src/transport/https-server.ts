/**
 * The HTTPS mediation listener: the HTTP listener's request path on a node:https server with the primary
 * key store, TLS 1.2/1.3 and AEAD suites by default, and mutual TLS against a trust store that is re-read
 * when it changes (new connections use it; connections already open keep theirs).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { Runtime } from '../runtime.js';
import type { LoadedKeyStore } from '../security/keys/keystore.js';
import { listen, listenerState, requestHandler, serverOptions, type Listener } from './http-server.js';
import { secureContextOptions, tlsServerOptions } from '../security/tls/tls-options.js';
import type { TrustStore } from '../security/tls/trust-store.js';

const TRANSPORT_LOGGER = 'org.apache.synapse.transport.passthru.PassThroughHttpSSLListener';

/** A handler mounted beside mediation (the token service at /oauth2): `owns` says which requests are its. */
export interface MountedHandler {
  owns(url: string | undefined): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export async function startHttpsListener(runtime: Runtime, key: LoadedKeyStore, port: number, host: string, trust: TrustStore | undefined, mounted?: MountedHandler): Promise<Listener> {
  const cfg = runtime.config.httpListener;
  const state = listenerState(runtime, trust, cfg.verifyClient !== 'none');
  const mediate = requestHandler(state, runtime, 'https', port);
  // without a mounted handler the request path is the HTTP listener's, untouched
  const handler = mounted === undefined ? mediate : (req: IncomingMessage, res: ServerResponse) => (mounted.owns(req.url) ? mounted.handle(req, res) : mediate(req, res));
  const server = https.createServer({ ...serverOptions(runtime), ...tlsServerOptions(key, cfg, trust) }, handler);
  const log = runtime.logs.get(TRANSPORT_LOGGER);
  // a failed handshake (no or untrusted client certificate, old protocol) is the client's problem: log at debug
  server.on('tlsClientError', (err) => log.debug(`TLS handshake failed: ${err.message}`));
  // setSecureContext replaces the whole context, so key, protocols and ciphers are passed again
  if (trust) trust.reloaded.push(() => server.setSecureContext(secureContextOptions(key, cfg, trust)));
  if (trust && cfg.verifyClient === 'none') {
    // verify_client = optional while an API or proxy uses mutual SSL (API Manager's gateway always asks):
    // tls.Server reads requestCert for each new connection, so a deployment changes it for the next ones
    const options = server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
    const follow = (wanted: boolean): void => {
      options.requestCert = wanted;
      options.rejectUnauthorized = false;
      state.askCertificate = wanted;
    };
    follow(runtime.wantsClientCertificate);
    runtime.clientCertificateDemand.push(follow);
  }
  return listen(server, state, port, host, undefined, { handles: runtime.config.server.acceptHandles, log, name: 'HTTPS' });
}
