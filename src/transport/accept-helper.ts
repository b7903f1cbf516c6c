/**
 * The helper process of accept-handles.ts: each listening socket it is sent, it sends back `count` times.
 * Every handle the runtime receives is a new descriptor of the same socket (the kernel duplicates a
 * descriptor passed over the IPC channel). The socket arrives here as a bare handle, never listened on, so
 * this process cannot take a connection meant for the runtime. Imports nothing, so that it starts fast; it
 * exits when the runtime lets go of the channel.
 */

interface Ask {
  readonly id: number;
  readonly count: number;
}

/** The bare listening handle (node's TCP wrap) as the IPC channel hands it over. */
interface BareHandle {
  close(): void;
}

/**
 * This copy of the descriptor is closed before the runtime hears `done`: once its listener closes, no
 * process holds the port open (a restart on the same port would find it taken).
 */
function done(ask: Ask, handle: BareHandle): void {
  handle.close();
  process.send!({ id: ask.id, done: true });
}

process.on('message', (ask: Ask, handle: BareHandle | undefined) => {
  if (handle === undefined) return;
  let left = ask.count;
  if (left <= 0) return done(ask, handle);
  for (let i = 0; i < ask.count; i++) {
    // the callback comes once the descriptor is in the channel: the kernel holds it from there
    process.send!({ id: ask.id }, handle as never, () => {
      if (--left === 0) done(ask, handle);
    });
  }
});
process.on('disconnect', () => process.exit(0));
