/**
 * What a bench tool started, stopped in reverse order on exit or on the first Ctrl-C; a second Ctrl-C stops
 * waiting and kills every tracked child. Shared by `npm run bench` and `npm run soak`.
 */
import type { ChildProcess } from 'node:child_process';

export class Teardown {
  /** True once a signal asked the tool to stop (its results are then incomplete). */
  interrupted = false;
  private readonly steps: { name: string; fn: () => Promise<void> }[] = [];
  private readonly children = new Set<ChildProcess>();
  private running: Promise<void> | undefined;

  /**
   * @param what names the tool in the stop message ("bench", "soak")
   * @param first runs before the steps (say: kill the load generators so they stop counting)
   */
  constructor(
    private readonly what: string,
    private readonly first: (children: ReadonlySet<ChildProcess>) => void = () => {},
  ) {}

  /** Registers a step; steps run last-added first. */
  add(name: string, fn: () => Promise<void>): void {
    this.steps.push({ name, fn });
  }

  /** Remembers a child until it exits, so a second Ctrl-C can kill it. */
  track(child: ChildProcess): ChildProcess {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs every step once (later calls get the same promise); a failing step is reported and the rest run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      this.first(this.children);
      for (const s of this.steps.reverse()) {
        try {
          await s.fn();
        } catch (e) {
          info(`cleanup of ${s.name} failed: ${(e as Error).message}`);
        }
      }
    })();
    return this.running;
  }

  /** SIGINT/SIGTERM/SIGHUP: run the steps and exit 130/143; a second signal kills the children and exits. */
  listen(): void {
    const onSignal = (sig: NodeJS.Signals): void => {
      if (this.running) {
        for (const c of this.children) c.kill('SIGKILL');
        process.exit(130);
      }
      this.interrupted = true;
      info(`\n${sig}: stopping everything the ${this.what} started ...`);
      void this.run().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    };
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  }
}

export function info(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
