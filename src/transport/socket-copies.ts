/**
 * New descriptors of a listening socket, for extra accept handles (accept-handles.ts). Node 20 cannot
 * duplicate a descriptor itself (no dup(), no SO_REUSEPORT before 22.12), but a handle passed over an IPC
 * channel arrives as a new descriptor: a helper process (accept-helper.ts) is sent the socket and sends it
 * back `count` times. One helper serves the whole process and exits when nothing is asked of it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';

const HELPER = fileURLToPath(new URL('./accept-helper.js', import.meta.url));
/** A helper that has not answered by then is stopped; the listener keeps its one handle. */
const HELPER_TIMEOUT_MS = 10_000;

/** The bare handle of a listening socket, as node:net keeps it and the IPC channel passes it; not listened on, it costs one descriptor and nothing else. */
export interface BareHandle {
  close(): void;
}

interface Ask {
  readonly count: number;
  readonly handles: BareHandle[];
  resolve(handles: BareHandle[]): void;
  reject(err: Error): void;
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
  for (const h of ask.handles) h.close();
  ask.reject(err);
}

let helper: AcceptHelper | undefined;

/** `count` new descriptors of the socket `server` listens on; the helper has closed its own copy when this resolves. */
export function copiesOf(server: net.Server, count: number): Promise<BareHandle[]> {
  helper ??= new AcceptHelper();
  return helper.duplicate(server, count);
}
