/**
 * More handles on one listening socket, so that a loaded listener still takes new connections promptly.
 *
 * Node 20's libuv (1.45 and later) accepts one connection per event-loop turn on a handle (libuv pull
 * request 3696, nodejs/performance issue 95). Under load a turn lasts as long as the requests it serves, so
 * a burst of new connections waits in the kernel's accept queue for seconds: 1000 connections opened at once
 * against a busy runtime read p99 up to 6 s (docs/benchmark.md). Each extra descriptor of the socket is a
 * handle of its own in the same loop, so the listener accepts 1 + count connections per turn.
 *
 * Node 20 cannot duplicate a descriptor itself (no dup(), no SO_REUSEPORT before 22.12), but a handle passed
 * over an IPC channel arrives as a new descriptor: a helper process (accept-helper.ts) is sent the socket and
 * sends it back `count` times. One helper serves the whole process and exits when nothing is asked of it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const HELPER = fileURLToPath(new URL('./accept-helper.js', import.meta.url));
/** A helper that has not answered by then is stopped; the listener keeps its one handle. */
const HELPER_TIMEOUT_MS = 10_000;

/** The bare handle of a listening socket, as node:net keeps it and the IPC channel passes it. */
type BareHandle = object;

interface Ask {
  readonly count: number;
  readonly handles: BareHandle[];
  resolve(handles: BareHandle[]): void;
  reject(err: Error): void;
}

/** The fields node:net keeps from a server's options; each extra handle serves its connections the same way. */
interface ServerBehaviour {
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

class AcceptHelper {
  private child: ChildProcess | undefined;
  private readonly asks = new Map<number, Ask>();
  private nextId = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `count` new descriptors of the socket `server` listens on. */
  duplicate(server: net.Server, count: number): Promise<BareHandle[]> {
    const handle = (server as unknown as { _handle?: BareHandle | null })._handle;
    if (!handle) return Promise.reject(new Error('the server is not listening'));
    const child = this.start();
    const id = this.nextId++;
    return new Promise<BareHandle[]>((resolve, reject) => {
      this.asks.set(id, { count, handles: [], resolve, reject });
      child.send({ id, count }, handle as net.Server, (err) => {
        if (err) this.fail(err);
      });
    });
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    // no execArgv (an --inspect or --cpu-prof of the runtime is not the helper's) and no environment
    // (NODE_OPTIONS could load modules into it); it needs neither
    const child = fork(HELPER, [], { execArgv: [], env: {}, stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
    this.child = child;
    child.on('message', (msg: { id?: unknown; done?: unknown }, handle: BareHandle | undefined) => this.received(msg, handle));
    child.on('error', (err) => this.fail(err));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.fail(new Error(`the helper process exited (${signal ?? `code ${code}`}) before it answered`));
    });
    // the helper must not keep the runtime alive, nor a finished runtime wait for it
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    this.timer = setTimeout(() => this.fail(new Error(`the helper process did not answer within ${HELPER_TIMEOUT_MS / 1000} s`)), HELPER_TIMEOUT_MS).unref();
    return child;
  }

  /** A copy of the socket, or `done`: the helper has closed its own copy (all copies were sent before it). */
  private received(msg: { id?: unknown; done?: unknown }, handle: BareHandle | undefined): void {
    const ask = typeof msg?.id === 'number' ? this.asks.get(msg.id) : undefined;
    if (ask === undefined) return;
    if (handle !== undefined) ask.handles.push(handle);
    if (msg.done !== true) return;
    this.asks.delete(msg.id as number);
    if (ask.handles.length === ask.count) ask.resolve(ask.handles);
    else discard(ask, new Error(`the helper process sent ${ask.handles.length} of ${ask.count} copies of the socket`));
    if (this.asks.size === 0) this.stop();
  }

  private fail(err: Error): void {
    const asks = [...this.asks.values()];
    this.asks.clear();
    this.stop();
    for (const ask of asks) discard(ask, err);
  }

  /** Lets the helper go (it exits when its channel closes); the next ask starts another. */
  private stop(): void {
    clearTimeout(this.timer);
    const child = this.child;
    this.child = undefined;
    if (child?.connected) child.disconnect();
    else child?.kill();
  }
}

/** An ask that failed: the copies it got are closed (none may hold the port open), then it rejects. */
function discard(ask: Ask, err: Error): void {
  for (const h of ask.handles) (h as { close(): void }).close();
  ask.reject(err);
}

let helper: AcceptHelper | undefined;

/**
 * Adds `count` handles to the socket `server` listens on: a connection accepted on any of them is the
 * server's own (its 'connection' event), served exactly as one accepted on its first handle. Resolves with
 * the extra servers, which the caller closes with `server`. `backlog` is the one `server` listens with.
 */
export async function addAcceptHandles(server: net.Server, count: number, backlog: number): Promise<net.Server[]> {
  if (count <= 0) return [];
  helper ??= new AcceptHelper();
  const handles = await helper.duplicate(server, count);
  const own = server as unknown as ServerBehaviour;
  const behaviour: ServerBehaviour = { allowHalfOpen: own.allowHalfOpen, pauseOnConnect: own.pauseOnConnect, noDelay: own.noDelay, keepAlive: own.keepAlive, keepAliveInitialDelay: own.keepAliveInitialDelay };
  return handles.map((handle) => {
    const extra = new net.Server(behaviour);
    extra.on('connection', (socket: net.Socket) => server.emit('connection', socket));
    // an error on an extra handle (none is expected on a socket that already listens) costs only that handle
    extra.on('error', () => extra.close());
    // listen() on a handle sets the socket's accept queue again: the server's own, not node's 511
    extra.listen(handle as net.ListenOptions, backlog);
    return extra;
  });
}
