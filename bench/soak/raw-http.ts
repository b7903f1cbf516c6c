/**
 * Requests written byte by byte on a socket, for what an HTTP client library refuses to send: CR/LF inside
 * a request line or a header, a lying Content-Length, an upload cut in the middle, a client that leaves
 * before its answer, partial headers trickled in (slowloris).
 */
import net from 'node:net';

export interface RawStep {
  data: string | Buffer;
  /** Wait this long before writing. */
  delayMs?: number;
}

export interface RawOptions {
  port: number;
  localAddress: string;
  steps: RawStep[];
  /** After the last step: `reset` sends a TCP RST, `close` a FIN, at once (the client leaves). */
  thenLeave?: 'reset' | 'close';
  timeoutMs: number;
}

export interface RawResult {
  /** The status code, or `aborted` (we left before an answer), `closed` (the server closed without an
   *  answer), `reset` (ECONNRESET before an answer), `timeout`, `connect-error`. */
  label: string;
  status?: number;
  head: string;
  bodyExcerpt: string;
  ms: number;
}

/** Parses `HTTP/1.1 404 ...` and headers; true when the whole response (by Content-Length or chunked end) is in. */
function complete(buf: string): { status?: number; head: string; body: string; done: boolean } {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return { head: buf, body: '', done: false };
  const head = buf.slice(0, end);
  const body = buf.slice(end + 4);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]) || undefined;
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (cl) return { status, head, body, done: Buffer.byteLength(body) >= Number(cl[1]) };
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return { status, head, body, done: /(^|\r\n)0\r\n\r\n$/.test(body) };
  return { status, head, body, done: false };
}

export function rawRequest(o: RawOptions): Promise<RawResult> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let buf = '';
    let settled = false;
    let left = false;
    const timers: NodeJS.Timeout[] = [];
    const socket = net.connect({ host: '127.0.0.1', port: o.port, localAddress: o.localAddress });
    const finish = (fallback: string): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      const c = complete(buf);
      socket.destroy();
      resolve({
        label: c.status !== undefined ? String(c.status) : fallback,
        status: c.status,
        head: c.head.slice(0, 2000),
        bodyExcerpt: c.body.slice(0, 300),
        ms: Date.now() - t0,
      });
    };
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (complete(buf).done) finish('closed');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (left) return;
      finish(e.code === 'ECONNRESET' ? 'reset' : e.code === 'ECONNREFUSED' ? 'connect-error' : (e.code ?? 'error'));
    });
    socket.on('close', () => finish(left ? 'aborted' : 'closed'));
    timers.push(setTimeout(() => finish('timeout'), o.timeoutMs));
    socket.once('connect', () => {
      let at = 0;
      for (const [i, step] of o.steps.entries()) {
        at += step.delayMs ?? 0;
        const last = i === o.steps.length - 1;
        timers.push(
          setTimeout(() => {
            if (settled || socket.destroyed) return;
            socket.write(step.data, () => {
              if (!last || !o.thenLeave || settled) return;
              left = true;
              if (o.thenLeave === 'reset') socket.resetAndDestroy();
              else socket.destroy();
              // the server may have answered already (an early 413); otherwise we left first
              finish('aborted');
            });
          }, at),
        );
      }
    });
  });
}

/**
 * A slowloris socket: a request line and a header started, then one byte every `trickleMs`, never ending
 * the headers. Resolves when the server closes it (with its status, usually 408) or after `giveUpMs`.
 */
export function slowlorisSocket(o: { port: number; localAddress: string; path: string; trickleMs: number; giveUpMs: number; onOpen?: (s: net.Socket) => void }): Promise<RawResult> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let buf = '';
    let settled = false;
    const socket = net.connect({ host: '127.0.0.1', port: o.port, localAddress: o.localAddress });
    o.onOpen?.(socket);
    let trickle: NodeJS.Timeout | undefined;
    const finish = (fallback: string): void => {
      if (settled) return;
      settled = true;
      clearInterval(trickle);
      clearTimeout(giveUp);
      socket.destroy();
      const c = complete(buf);
      resolve({ label: c.status !== undefined ? String(c.status) : fallback, status: c.status, head: c.head.slice(0, 500), bodyExcerpt: c.body.slice(0, 200), ms: Date.now() - t0 });
    };
    const giveUp = setTimeout(() => finish('held'), o.giveUpMs);
    socket.on('data', (d: Buffer) => (buf += d.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNRESET' ? 'reset' : (e.code ?? 'error')));
    socket.on('close', () => finish('closed'));
    socket.once('connect', () => {
      socket.write(`POST ${o.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nX-Slow: `);
      trickle = setInterval(() => {
        if (!socket.destroyed) socket.write('a');
      }, o.trickleMs);
    });
  });
}
