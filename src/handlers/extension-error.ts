/** A failure to resolve or load an extension that knows which files to watch for its fix. */
import { MiError, type ErrorSpec } from '../errors.js';

export class ExtensionError extends MiError {
  constructor(
    spec: ErrorSpec,
    message: string,
    /** Files whose change may fix it (a missing module, the file with the syntax error, ...). */
    readonly files: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(spec, message, options);
  }
}
