/**
 * A TCP relay on loopback in front of a real server (PostgreSQL in the probe tests), which the test can
 * hold, open or cut: the runtime talks to the real database through it, and a cut is a real network
 * failure (connections reset, new ones dropped at once), with no stub in the runtime.
 *
 *   hold  new connections are accepted and kept waiting (what they send is buffered)
 *   pass  relayed to the server (held connections are relayed from where they stopped)
 *   cut   every connection is dropped, open ones included
 */
import net from 'node:net';

export type GateMode = 'hold' | 'pass' | 'cut';

export interface TcpGate {
  readonly port: number;
  set(mode: GateMode): void;
  close(): Promise<void>;
}

export async function startTcpGate(target: { host: string; port: number }, initial: GateMode = 'pass'): Promise<TcpGate> {
  let mode = initial;
  const held: net.Socket[] = [];
  const open = new Set<net.Socket>();
  const relay = (client: net.Socket): void => {
    const upstream = net.connect(target.port, target.host);
    open.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
    client.resume();
  };
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    open.add(client);
    client.on('error', () => client.destroy());
    if (mode === 'hold') held.push(client);
    else relay(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    set(next) {
      mode = next;
      if (next === 'pass') for (const c of held.splice(0)) if (!c.destroyed) relay(c);
      if (next === 'cut') {
        held.length = 0;
        for (const s of [...open]) s.destroy();
        open.clear();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of [...open, ...held]) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port that was free a moment ago (for a server whose port a test must know before it starts). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
