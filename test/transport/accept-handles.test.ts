/**
 * Extra accept handles (src/transport/accept-handles.ts) through real sockets on loopback. Node 20 accepts
 * one connection per event-loop turn on a handle, so a burst of connections that queued while the loop was
 * busy trickles in one per turn. The extra handles listen once a turn runs long, so the burst is accepted
 * at once, and served, over HTTP and HTTPS; after a quiet spell they stop listening (each costs CPU on
 * every new connection) and fresh copies wait for the next burst. Closing the listener closes every
 * descriptor of the socket, the helper process's too, so the port is free again at once.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { listen, type Listener } from '../../src/transport/http-server.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { configFrom, DEFAULT_ACCEPT_HANDLES } from '../../src/config/config.js';

type AnyServer = http.Server | https.Server;

function answerOk(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
}

async function start(server: AnyServer, handles: number, quietMs?: number, logs = memoryLoggerFactory()): Promise<Listener> {
  return listen(server, { closing: false }, 0, '127.0.0.1', undefined, { handles, log: logs.get('test'), name: 'HTTP', quietMs });
}

function hold(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

/**
 * Makes the loop busy (four turns of 250 ms, as a loaded runtime's) and opens `n` connections in the last
 * of them, then counts the turns of the loop in which the server accepted them; resolves with that count
 * and the client sockets.
 */
async function burst(server: AnyServer, port: number, n: number): Promise<{ turns: number; clients: net.Socket[] }> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    hold(250);
  }
  await new Promise((resolve) => setImmediate(resolve));
  let turn = 0;
  let running = true;
  const tick = (): void => {
    turn++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const perTurn = new Map<number, number>();
  let accepted = 0;
  let allIn: () => void = () => {};
  const done = new Promise<void>((resolve) => (allIn = resolve));
  const onConnection = (): void => {
    perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
    if (++accepted === n) allIn();
  };
  server.on('connection', onConnection);
  const clients = Array.from({ length: n }, () => net.connect(port, '127.0.0.1').on('error', () => {}));
  // the connects run in process.nextTick: hold the loop after them, so all n handshakes are in the
  // kernel's accept queue before the loop next polls (on loopback they complete within microseconds)
  process.nextTick(() => hold(250));
  await done;
  running = false;
  server.off('connection', onConnection);
  const seen = [...perTurn.keys()];
  return { turns: Math.max(...seen) - Math.min(...seen) + 1, clients };
}

async function eventually(what: string, check: () => boolean): Promise<void> {
  const until = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > until) assert.fail(`${what}: not within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One HTTP/1.1 request written on an open connection (plain or TLS); resolves with the status line. */
function requestOn(socket: net.Socket | tls.TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n\r\n')) {
        resolve(text.slice(0, text.indexOf('\r\n')));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.write('GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n');
  });
}

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('extra accept handles of a listener', function () {
  this.timeout(30_000);
  const open: Listener[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
  });

  it('without them, a burst that queued while the loop was busy is accepted one connection per turn (the platform)', async () => {
    const server = http.createServer(answerOk);
    const listener = await start(server, 0);
    open.push(listener);
    assert.equal(listener.acceptHandles, undefined);
    const { turns, clients } = await burst(server, listener.port, 5);
    clients.forEach((c) => c.destroy());
    assert.equal(turns, 5);
  });

  it('with 8, a quiet listener keeps one handle; a burst on a busy loop is accepted at once, and every connection is served', async () => {
    const server = http.createServer(answerOk);
    const listener = await start(server, 8);
    open.push(listener);
    const extra = listener.acceptHandles!;
    assert.equal(await extra.ready, 8);
    assert.equal(extra.engaged, 0);
    // one long turn is a collection or a slow callback, not a busy loop: the handles stay bare
    hold(250);
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal(extra.engaged, 0);
    const { turns, clients } = await burst(server, listener.port, 9);
    assert.ok(turns <= 2, `accepted over ${turns} turns`);
    assert.equal(extra.engaged, 8);
    assert.deepEqual(await Promise.all(clients.map(requestOn)), Array(9).fill('HTTP/1.1 200 OK'));
  });

  it('after a quiet spell the extra handles stop listening, and fresh copies take the next burst', async () => {
    const server = http.createServer(answerOk);
    const listener = await start(server, 4, 300);
    open.push(listener);
    const extra = listener.acceptHandles!;
    assert.equal(await extra.ready, 4);
    const first = await burst(server, listener.port, 5);
    first.clients.forEach((c) => c.destroy());
    assert.equal(extra.engaged, 4);
    await eventually('the handles stop listening and fresh copies come', () => extra.engaged === 0 && extra.held === 4);
    const second = await burst(server, listener.port, 5);
    assert.ok(second.turns <= 2, `accepted over ${second.turns} turns`);
    assert.deepEqual(await Promise.all(second.clients.map(requestOn)), Array(5).fill('HTTP/1.1 200 OK'));
  });

  it('serves HTTPS on connections its extra handles accept (the TLS handshake included)', async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-accept-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', '/CN=127.0.0.1'], { cwd: dir, stdio: 'ignore' });
    } catch (err) {
      if (process.env['REQUIRE_SERVICES'] === '1') throw err;
      console.log(`      (skipped: openssl is not available: ${(err as Error).message}; set REQUIRE_SERVICES=1 to make this a failure)`);
      return this.skip();
    }
    const server = https.createServer({ key: readFileSync(path.join(dir, 'k.pem')), cert: readFileSync(path.join(dir, 'c.pem')) }, answerOk);
    const listener = await start(server, 4);
    open.push(listener);
    assert.equal(await listener.acceptHandles!.ready, 4);
    const { turns, clients } = await burst(server, listener.port, 5);
    assert.ok(turns <= 2, `accepted over ${turns} turns`);
    const secured = clients.map((socket) => tls.connect({ socket, rejectUnauthorized: false }));
    assert.deepEqual(await Promise.all(secured.map(requestOn)), Array(5).fill('HTTP/1.1 200 OK'));
  });

  it('once closed, no descriptor holds the port: connections are refused and the port can be bound again', async () => {
    const server = http.createServer(answerOk);
    const listener = await start(server, 8);
    assert.equal(await listener.acceptHandles!.ready, 8);
    const { clients } = await burst(server, listener.port, 3);
    clients.forEach((c) => c.destroy());
    assert.equal(listener.acceptHandles!.engaged, 8);
    await listener.close();
    assert.equal(await refused(listener.port), 'ECONNREFUSED');
    const rebound = http.createServer(answerOk);
    await new Promise<void>((resolve, reject) => rebound.once('error', reject).listen(listener.port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => rebound.close(() => resolve()));
  });

  it('closed while the helper process is still at work, it waits for it and leaves the port free', async () => {
    const server = http.createServer(answerOk);
    const listener = await start(server, 8);
    await listener.close();
    await listener.acceptHandles!.ready;
    assert.equal(listener.acceptHandles!.held, 0);
    assert.equal(await refused(listener.port), 'ECONNREFUSED');
  });

  it('when the helper process cannot start, the listener serves with its one handle and says why once (MI_SRV_003)', async () => {
    // the helper's own file, moved away for this test: node starts, finds no module and exits 1
    const helper = fileURLToPath(new URL('../../src/transport/accept-helper.js', import.meta.url));
    renameSync(helper, `${helper}.away`);
    const logs = memoryLoggerFactory();
    try {
      const server = http.createServer(answerOk);
      const listener = await start(server, 4, 300, logs);
      open.push(listener);
      assert.equal(await listener.acceptHandles!.ready, 0);
      const warnings = logs.lines.filter((l) => l.level === 'WARN');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!.message, /^MI_SRV_003: the HTTP listener on port \d+ accepts one new connection per event-loop turn: its 4 extra accept handles could not be had \(the helper process exited \(code 1\) before it answered\).*accept_handles = 0/);
      const { turns, clients } = await burst(server, listener.port, 3);
      assert.equal(turns, 3);
      assert.deepEqual(await Promise.all(clients.map(requestOn)), Array(3).fill('HTTP/1.1 200 OK'));
    } finally {
      renameSync(`${helper}.away`, helper);
    }
  });

  it('[server] accept_handles: 64 by default, 0 turns them off, and a value out of 0..256 is refused with its key', () => {
    assert.equal(DEFAULT_ACCEPT_HANDLES, 64);
    assert.equal(configFrom('/nowhere', {}).server.acceptHandles, 64);
    assert.equal(configFrom('/nowhere', { server: { accept_handles: 0 } }).server.acceptHandles, 0);
    assert.throws(() => configFrom('/nowhere', { server: { accept_handles: 257 } }), /\[server\] accept_handles must be a whole number from 0 to 256, got 257/);
    assert.throws(() => configFrom('/nowhere', { server: { accept_handles: -1 } }), /\[server\] accept_handles must be a whole number >= 0/);
  });
});
