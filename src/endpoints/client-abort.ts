/**
 * Tells a client that went away from a backend that failed. When a client drops its connection while its
 * request body streams to the backend (pass-through), the HTTP client sees the body stream fail and would
 * report it as a backend reset, and the endpoint would be suspended for every other client. The client's
 * socket closes *before* that failure reaches the HTTP client; a backend failure closes the client's socket
 * only afterwards (the body stream is destroyed), in a later event-loop turn. So a 'close' seen while the
 * request was in flight means the client went first.
 */
import type { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import { Errors, MiError } from '../errors.js';

const CLOSED = Symbol('clientClosed');
const WATCHED = Symbol('clientWatched');
type ClientSocket = Socket & { [CLOSED]?: true; [WATCHED]?: true };

/** A connection's 'close' listener: one shared function, no closure. */
function markClosed(this: ClientSocket): void {
  this[CLOSED] = true;
}

/**
 * Called by the mediation listener for each request with a body: the first request of a connection gives
 * it one 'close' listener, kept for the connection's life. Measured on the pass-through, a listener added
 * and removed per request cost an allocation of about 0.6 KB and the event bookkeeping on every request.
 */
export function watchConnection(socket: Socket): void {
  const s = socket as ClientSocket;
  if (s[WATCHED] === true) return;
  s[WATCHED] = true;
  s.on('close', markClosed);
}

/** The client connection behind an inbound request stream; undefined for other bodies (a buffer, a backend's stream). */
export function clientSocket(body: Buffer | Readable | undefined): Socket | undefined {
  if (body === undefined || Buffer.isBuffer(body)) return undefined;
  const socket = (body as Readable & { socket?: Socket }).socket;
  return socket && typeof socket.once === 'function' ? socket : undefined;
}

/**
 * Whether the client went away while its request was being sent: its connection had emitted 'close' (which
 * a backend failure causes only in a later event-loop turn), or was already destroyed when the send began.
 */
export function clientWentAway(socket: Socket | undefined, destroyedAtStart: boolean): boolean {
  return socket !== undefined && (destroyedAtStart || (socket as ClientSocket)[CLOSED] === true);
}

/** The error for a request whose client left mid-upload: not an endpoint failure, so nothing is suspended. */
export function clientAborted(target: string, cause: unknown): MiError {
  return new MiError(Errors.CLIENT_ABORTED, `The client closed the connection before its request to ${target} was complete; the endpoint is not marked as failed`, { cause });
}
