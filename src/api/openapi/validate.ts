/**
 * OpenAPI validation at deploy time, synchronously. Deploying is synchronous (a parse() is the schema and
 * reports its problems as it goes), but @readme/openapi-parser validates asynchronously only; so it runs in
 * one worker thread, started on first use and kept (unref'd: it never keeps the process alive), and the
 * deployer waits on a shared flag until the answer is there. Only APIs that carry a definition pay for it.
 */
import { createHash } from 'node:crypto';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

export interface ValidationOutcome {
  /** Empty when the definition is valid. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** How long one validation may take before deploying gives up on it (a huge definition on a slow box). */
const TIMEOUT_MS = 60_000;

interface Bridge {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly signal: Int32Array;
  next: number;
}

let bridge: Bridge | undefined;

function start(): Bridge {
  const { port1, port2 } = new MessageChannel();
  const flag = new SharedArrayBuffer(4);
  const worker = new Worker(new URL('./validator-worker.js', import.meta.url), { workerData: { port: port2, flag }, transferList: [port2] });
  worker.unref();
  worker.on('error', () => {
    bridge = undefined; // the next validation starts a fresh worker
  });
  return { worker, port: port1, signal: new Int32Array(flag), next: 1 };
}

/** Outcomes by definition hash: a redeployment of an unchanged definition does not wait for the worker again. */
const outcomes = new Map<string, ValidationOutcome>();
const MAX_OUTCOMES = 256;

/** Validates a parsed definition against the OpenAPI 3.0 / 3.1 (or Swagger 2.0) specification. */
export function validateOpenApi(doc: unknown): ValidationOutcome {
  const key = createHash('sha256').update(JSON.stringify(doc) ?? '').digest('hex');
  const known = outcomes.get(key);
  if (known) return known;
  const outcome = validateInWorker(doc);
  if (outcomes.size >= MAX_OUTCOMES) outcomes.delete(outcomes.keys().next().value!);
  if (!outcome.errors.some((e) => e.startsWith('validation did not finish'))) outcomes.set(key, outcome);
  return outcome;
}

function validateInWorker(doc: unknown): ValidationOutcome {
  const b = (bridge ??= start());
  const id = b.next++;
  b.port.postMessage({ id, doc });
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const msg = receiveMessageOnPort(b.port);
    if (msg !== undefined) {
      const reply = msg.message as { id: number; errors: string[]; warnings: string[] };
      if (reply.id === id) return { errors: reply.errors, warnings: reply.warnings };
      continue; // an answer to a request that timed out earlier
    }
    const left = deadline - Date.now();
    if (left <= 0 || Atomics.wait(b.signal, 0, 0, left) === 'timed-out') {
      void b.worker.terminate();
      bridge = undefined;
      return { errors: [`validation did not finish within ${TIMEOUT_MS / 1000} s`], warnings: [] };
    }
    Atomics.store(b.signal, 0, 0);
  }
}
