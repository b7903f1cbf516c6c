/**
 * A runtime on a temporary home with extension modules written by the test (HOME/extensions/...) next to
 * its artifacts, on a free loopback port, logs in memory.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../src/main.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import type { TestServer } from '../helpers/server.js';

export interface ExtServer extends TestServer {
  /** Writes HOME/extensions/<rel> and returns its path. */
  ext(rel: string, text: string): string;
}

export async function startWithExtensions(
  files: Record<string, string>,
  extensions: Record<string, string>,
  toml = '[server]\nhot_deployment = false\n',
): Promise<ExtServer> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'mi-hdl-'));
  const dir = path.join(home, 'synapse-configs', 'default');
  const put = (p: string, text: string): string => {
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  };
  put(path.join(home, 'deployment', 'deployment.toml'), toml);
  const write = (rel: string, text: string): string => put(path.join(dir, rel), text);
  const ext = (rel: string, text: string): string => put(path.join(home, 'extensions', rel), text);
  mkdirSync(dir, { recursive: true });
  for (const [rel, text] of Object.entries(extensions)) ext(rel, text);
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  const logs = memoryLoggerFactory();
  const server = await startServer({ home, logs, httpPort: 0, host: '127.0.0.1' });
  return Object.assign(server, {
    home,
    url: `http://127.0.0.1:${server.httpPort}`,
    logLines: logs.lines,
    write,
    ext,
    async close() {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  });
}

export async function eventually(check: () => Promise<boolean> | boolean, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

/** An API answering `text` from a respond in its inSequence, with the given <handlers> content. */
export function apiWithHandlers(name: string, context: string, handlers: string, text = 'hello'): string {
  return `<api ${SYN} name="${name}" context="${context}">
  <resource methods="GET POST" uri-template="/*">
    <inSequence>
      <payloadFactory media-type="text"><format>${text}</format><args/></payloadFactory>
      <respond/>
    </inSequence>
  </resource>
  <handlers>
${handlers}
  </handlers>
</api>`;
}
