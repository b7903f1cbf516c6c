/**
 * Plain HTTP on the HTTPS management port gets a 400 that says to use https://, instead of the empty reply a
 * failed TLS handshake gives (curl: "Empty reply from server"). Each new connection's first bytes are looked
 * at before TLS starts: a TLS record begins with the handshake byte 0x16; anything else is answered in plain
 * text and closed. Go's net/http does the same ("Client sent an HTTP request to an HTTPS server").
 */
import type { Server } from 'node:https';
import type { Socket } from 'node:net';
import { Errors } from '../errors.js';

const TLS_HANDSHAKE = 0x16;
/** A client that connects and sends nothing is dropped after this long (TLS would give it 120 s). */
const FIRST_BYTES_TIMEOUT_MS = 30_000;
/** A host name or address with an optional port, nothing that could inject into the reply. */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function refusal(first: Buffer): string {
  const host = /\r\nhost:[ \t]*([^\r\n]*)/i.exec(first.toString('latin1'))?.[1]?.trim();
  const where = host && SAFE_HOST.test(host) ? `https://${host}/management` : 'https://';
  const body = JSON.stringify({ Error: `this is the HTTPS management API: plain HTTP is not served here; use ${where}`, code: Errors.MGT_PLAIN_HTTP_REFUSED.code }) + '\n';
  return `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`;
}

/** Puts the first-bytes check in front of the HTTPS server's own connection handling. */
export function refusePlainHttp(server: Server): void {
  const tlsListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const drop = (): void => void socket.destroy();
    socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, drop);
    socket.once('error', drop);
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      socket.off('error', drop);
      if (first[0] === TLS_HANDSHAKE) {
        // the bytes go back in front: the TLS socket reads what the raw socket already holds first
        socket.unshift(first);
        for (const listener of tlsListeners) listener.call(server, socket);
      } else {
        socket.on('error', drop);
        socket.end(refusal(first));
      }
    });
  });
}
