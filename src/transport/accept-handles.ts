/**
 * Extra accept handles on a listening socket, so that a busy listener still takes new connections promptly.
 *
 * Node 20's libuv (1.45 and later) accepts one connection per event-loop turn on a handle (libuv pull
 * request 3696, nodejs/performance issue 95). Under load a turn lasts as long as the requests it serves, so
 * a burst of new connections waits in the kernel's accept queue for seconds: 1000 connections opened at once
 * against a busy runtime read p99 up to 6 s (docs/benchmark.md). Each extra descriptor of the socket is a
 * handle of its own in the same loop, so with `count` of them listening the runtime accepts 1 + count
 * connections per turn.
 *
 * They listen only while turns run long (turn-watch.ts). A new connection wakes every handle that listens,
 * and all but one find nothing to accept: on a quiet listener with one connection at a time that cost 3.7 µs
 * per handle per connection (32 handles: +45 % CPU for a client that opens a connection per request). So the
 * copies are kept as bare descriptors, listen on the first long turn, and are closed after a quiet spell
 * (a handle cannot stop listening and stay open); fresh copies are then fetched for the next burst.
 */
import net from 'node:net';
import { copiesOf, type BareHandle } from './socket-copies.js';
import { turnWatch, type TurnListener } from './turn-watch.js';

/** How long turns stay short before the handles stop listening. */
export const DEFAULT_QUIET_MS = 10_000;

/** The fields node:net keeps from a server's options; each extra handle serves its connections the same way. */
interface ServerBehaviour {
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

export interface AcceptHandleOptions {
  /** The extra handles. */
  readonly count: number;
  /** The accept queue `server` listens with: listen() on a handle sets it again. */
  readonly backlog: number;
  /** Copies could not be had (the helper process failed): the listener goes on with its one handle. */
  readonly onFailure: (err: Error) => void;
  readonly quietMs?: number;
}

export class ExtraAcceptHandles implements TurnListener {
  /** Copies of the socket not listened on: a descriptor each, no other cost. */
  private spare: BareHandle[] = [];
  private listening: net.Server[] = [];
  /** Closed extra handles whose connections are still open: close() waits for them. */
  private readonly draining = new Set<Promise<void>>();
  private fetching: Promise<void> | undefined;
  private closed = false;
  /** The helper failed once: told once, not tried again (the listener keeps its one handle). */
  private failed = false;
  /** Resolves with the copies held once the first fetch is done (0 when it failed). */
  readonly ready: Promise<number>;
  private readonly behaviour: ServerBehaviour;
  private readonly quietMs: number;

  constructor(
    private readonly server: net.Server,
    private readonly options: AcceptHandleOptions,
  ) {
    const own = server as unknown as ServerBehaviour;
    this.behaviour = { allowHalfOpen: own.allowHalfOpen, pauseOnConnect: own.pauseOnConnect, noDelay: own.noDelay, keepAlive: own.keepAlive, keepAliveInitialDelay: own.keepAliveInitialDelay };
    this.quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
    this.ready = this.fetch().then(() => this.spare.length);
    turnWatch.add(this);
  }

  /** Extra handles listening now. */
  get engaged(): number {
    return this.listening.length;
  }

  /** Copies held for the next long turn. */
  get held(): number {
    return this.spare.length;
  }

  late(): void {
    if (this.closed || this.spare.length === 0) return;
    for (const handle of this.spare) this.listening.push(this.listenOn(handle));
    this.spare = [];
  }

  quiet(quietForMs: number): void {
    if (this.closed || this.listening.length === 0 || quietForMs < this.quietMs) return;
    // a connection in the accept queue is not lost: the queue is the socket's, and its first handle stays
    for (const s of this.listening) this.drain(s);
    this.listening = [];
    if (!this.failed) void this.fetch();
  }

  async close(): Promise<void> {
    this.closed = true;
    turnWatch.delete(this);
    for (const h of this.spare) h.close();
    this.spare = [];
    for (const s of this.listening) this.drain(s);
    this.listening = [];
    // a fetch under way: its copies are closed as they come, and the helper has closed its own by then
    await this.fetching;
    await Promise.all(this.draining);
  }

  private fetch(): Promise<void> {
    this.fetching ??= copiesOf(this.server, this.options.count)
      .then(
        (handles) => {
          if (this.closed) for (const h of handles) h.close();
          else this.spare.push(...handles);
        },
        (err: Error) => {
          this.failed = true;
          this.options.onFailure(err);
        },
      )
      .finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private listenOn(handle: BareHandle): net.Server {
    const extra = new net.Server(this.behaviour);
    // a connection accepted here is the server's own, served exactly as one from its first handle
    extra.on('connection', (socket: net.Socket) => this.server.emit('connection', socket));
    // an error on an extra handle (none is expected on a socket that already listens) costs only that handle
    extra.on('error', () => extra.close());
    extra.listen(handle as net.ListenOptions, this.options.backlog);
    return extra;
  }

  /** Stops accepting on `extra`; its connections keep being served until they end. */
  private drain(extra: net.Server): void {
    const done = new Promise<void>((resolve) => extra.close(() => resolve()));
    this.draining.add(done);
    void done.then(() => this.draining.delete(done));
  }
}
