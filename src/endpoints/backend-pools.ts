/**
 * The keep-alive connections to backends, shared by every endpoint of the runtime as Micro Integrator's
 * pass-through sender shares them: one undici Pool per host:port (and connect timeout), holding at most
 * `[transport.http] max_http_connection_per_host_port` connections. A request that finds them all busy
 * waits, in arrival order, for the first to come free; the endpoint's response timeout starts once it has
 * one. Shared pools also mean one set of kept-alive connections per backend, however many endpoints
 * name it.
 */
import { Pool } from 'undici';
import { DEFAULT_MAX_CONNECTIONS_PER_HOST_PORT } from '../config/config.js';
import type { BackendConnections } from '../context/message-runtime.js';

/** Longest wait for a TCP/TLS connection, whatever the response timeout (Synapse's connect timeout is 20 s). */
export const MAX_CONNECT_TIMEOUT_MS = 20_000;

export class BackendPools implements BackendConnections {
  private readonly pools = new Map<string, Pool>();

  constructor(readonly maxPerHostPort: number = DEFAULT_MAX_CONNECTIONS_PER_HOST_PORT) {}

  /** The pool for one origin (`http://host:port`); endpoints with another connect timeout get their own. */
  pool(origin: string, connectTimeoutMs: number): Pool {
    // the usual timeout is kept out of the key
    const key = connectTimeoutMs === MAX_CONNECT_TIMEOUT_MS ? origin : `${origin} ${connectTimeoutMs}`;
    let p = this.pools.get(key);
    if (!p) {
      p = new Pool(origin, { connections: this.maxPerHostPort, connect: { timeout: connectTimeoutMs } });
      this.pools.set(key, p);
    }
    return p;
  }

  /** Closes every pool once its in-flight requests finish (runtime shutdown). */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => {})));
  }
}
