/** Helpers for handler tests: a runtime with extension modules (HOME/extensions/...) next to its artifacts. */
import { startTestServer, type TestServer } from '../helpers/server.js';

export type ExtServer = TestServer;

export function startWithExtensions(
  files: Record<string, string>,
  extensions: Record<string, string>,
  toml = '[server]\nhot_deployment = false\n',
): Promise<ExtServer> {
  return startTestServer(files, toml, extensions);
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
