/**
 * The worker thread behind openapi/validate.ts: validates one OpenAPI definition at a time with
 * @readme/openapi-parser (which is asynchronous only) and wakes the waiting deployer through the shared
 * flag. External `$ref`s are not resolved: a definition is one self-contained file, as a registry resource
 * is, and deploying never reaches for the network or other files.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { validate } from '@readme/openapi-parser';

interface Request {
  readonly id: number;
  readonly doc: unknown;
}

const { port, flag } = workerData as { port: MessagePort; flag: SharedArrayBuffer };
const signal = new Int32Array(flag);

/** The first line of a message and the line of the code frame that points at the problem. */
function shorten(message: string): string {
  const lines = message.split('\n');
  const head = lines[0]!.trim();
  const marked = lines.find((l) => l.startsWith('>'));
  if (!marked) return head;
  const at = marked.replace(/^>\s*\d+\s*\|\s*/, '').trim().replace(/,$/, '');
  return at ? `${head} (at ${at})` : head;
}

port.on('message', async (req: Request) => {
  let reply: { id: number; errors: string[]; warnings: string[] };
  try {
    const r = await validate(req.doc as never, { resolve: { external: false }, validate: { errors: { colorize: false } } });
    const extra = !r.valid && r.additionalErrors > 0 ? [`and ${r.additionalErrors} more`] : [];
    reply = { id: req.id, errors: r.valid ? [] : [...r.errors.map((e) => shorten(e.message)), ...extra], warnings: r.warnings.map((w) => shorten(w.message)) };
  } catch (err) {
    reply = { id: req.id, errors: [shorten((err as Error).message || String(err))], warnings: [] };
  }
  port.postMessage(reply);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
parentPort?.postMessage('ready');
