/**
 * Fast path for simple location paths over untouched message bytes (placeholder: no path qualifies yet,
 * so every expression takes the DOM route).
 */
export interface StreamPath {
  /** Synapse string value of the path over `raw`, or undefined when the DOM engine must decide. */
  match(raw: Buffer, wrapped: boolean): string | undefined;
}

export function compileStreamPath(_source: string, _namespaces: Record<string, string>): StreamPath | undefined {
  return undefined;
}
