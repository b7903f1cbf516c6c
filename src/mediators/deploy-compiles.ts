/**
 * Slow deploy-time compiles (XSLT stylesheets: a compiler process per stylesheet, one to four seconds each)
 * without stalling the event loop. The deployer first links in a dry run inside inBackground(): a mediator
 * whose compile is not cached starts it asynchronously, registers it and throws CompilePending. The deployer
 * waits for all of them, while the current deployment keeps serving, then links for real: every compile
 * is cached by then and the link is synchronous as always.
 */

/** Thrown by a bind() whose compile was started in the background; the dry link's result is discarded. */
export class CompilePending extends Error {
  constructor() {
    super('a deploy-time compile is running in the background');
  }
}

let started: Promise<unknown>[] | undefined;

/** True inside inBackground(): compiles should be started with defer(), not waited for. */
export function compilesDeferred(): boolean {
  return started !== undefined;
}

/** Registers a compile started in the background and throws CompilePending. */
export function defer(compile: Promise<unknown>): never {
  started!.push(compile);
  throw new CompilePending();
}

/** Runs `dryLink` with compiles deferred; returns the compiles it started (settled, never rejected). */
export function inBackground(dryLink: () => void): Promise<unknown>[] {
  const outer = started;
  const mine: Promise<unknown>[] = [];
  started = mine;
  try {
    dryLink();
  } finally {
    started = outer;
  }
  return mine.map((p) => p.catch(() => undefined));
}
