/** How every `mi` command ends on a failure: `mi: CODE  message` on standard error and exit status 1. */
export function reportError(err: unknown): void {
  // our MiErrors and the management API's error replies both carry an MI_ code
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`mi: ${typeof code === 'string' && code.startsWith('MI_') ? `${code}  ` : ''}${message}\n`);
  process.exitCode = 1;
}

/** A commander action that reports its failure as above instead of throwing. */
export function reportingErrors<A extends unknown[]>(work: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await work(...args);
    } catch (err) {
      reportError(err);
    }
  };
}
