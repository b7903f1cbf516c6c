/**
 * Keeps `count` slowloris sockets open against the runtime for the whole soak: each trickles one header
 * byte at a time and is expected to be closed by the server (408) within `[server] headers_timeout` plus
 * Node's connection-check interval; a closed one is replaced at once. A socket still open after that
 * deadline is reported as `held`.
 */
import type { Socket } from 'node:net';
import { slowlorisSocket, type RawResult } from './raw-http.js';

export class SlowlorisHolder {
  private stopped = false;
  private readonly sockets = new Set<Socket>();
  private readonly loops: Promise<void>[] = [];
  open = 0;

  constructor(
    private readonly o: { port: number; localAddress: string; count: number; trickleMs: number; deadlineMs: number },
    private readonly onResult: (r: RawResult, start: number, end: number) => void,
  ) {}

  start(): void {
    for (let i = 0; i < this.o.count; i++) this.loops.push(this.loop(i));
  }

  private async loop(i: number): Promise<void> {
    // spread the sockets over one trickle period so they do not all time out together
    await new Promise((r) => setTimeout(r, (i * this.o.trickleMs) / Math.max(1, this.o.count)));
    while (!this.stopped) {
      const start = Date.now();
      this.open++;
      const r = await slowlorisSocket({
        port: this.o.port,
        localAddress: this.o.localAddress,
        path: '/services/SoakPassThrough',
        trickleMs: this.o.trickleMs,
        giveUpMs: this.o.deadlineMs,
        onOpen: (s) => {
          this.sockets.add(s);
          s.once('close', () => this.sockets.delete(s));
        },
      });
      this.open--;
      if (this.stopped) return; // closed by stop(): not the server's doing
      this.onResult(r, start, Date.now());
      if (r.label === 'ECONNREFUSED' || r.label === 'error') await new Promise((res) => setTimeout(res, 1000));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.loops);
  }
}
