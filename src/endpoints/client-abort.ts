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

export interface ClientWatch {
  /** True if the client's connection closed while the request was being sent. */
  readonly gone: boolean;
  /** Stops watching (the socket may carry more requests on keep-alive). */
  stop(): void;
}

const NOT_WATCHED: ClientWatch = { gone: false, stop: () => {} };

/** Watches the client connection behind an inbound request stream; other bodies are not watched. */
export function watchClient(body: Buffer | Readable | undefined): ClientWatch {
  const socket = body !== undefined && !Buffer.isBuffer(body) ? (body as Readable & { socket?: Socket }).socket : undefined;
  if (!socket || typeof socket.once !== 'function') return NOT_WATCHED;
  const watch = {
    gone: socket.destroyed,
    stop: () => socket.off('close', onClose),
  };
  const onClose = (): void => {
    watch.gone = true;
  };
  socket.once('close', onClose);
  return watch;
}

/** The error for a request whose client left mid-upload: not an endpoint failure, so nothing is suspended. */
export function clientAborted(target: string, cause: unknown): MiError {
  return new MiError(Errors.CLIENT_ABORTED, `The client closed the connection before its request to ${target} was complete; the endpoint is not marked as failed`, { cause });
}
