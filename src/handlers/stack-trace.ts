/**
 * Stack traces of compiled extensions point into the bundle esbuild made; the bundle's source map turns
 * those frames back into the user's file:line:col. Only done when something failed, never per request.
 */
import type { SourceMap } from 'node:module';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Rewrites the frames of `file` in `stack` through `map`; other frames stay as they are. */
export function mapStack(stack: string, file: string, map: SourceMap | undefined): string {
  if (!map || !stack.includes(file)) return stack;
  const frame = new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+)`, 'g');
  return stack.replace(frame, (whole, line: string, col: string) => {
    const e = map.findEntry(Number(line) - 1, Number(col) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (e.originalSource === undefined || e.originalLine === undefined) return whole;
    return `${e.originalSource}:${e.originalLine + 1}:${(e.originalColumn ?? 0) + 1}`;
  });
}

/** file:line:col (in the user's source) of the innermost frame of an error, if there is one. */
export function whereThrown(err: Error, file: string, map: SourceMap | undefined): string | undefined {
  const m = /\n\s+at (?:.*? \()?(.+?:\d+:\d+)\)?(?:\n|$)/.exec(mapStack(err.stack ?? '', file, map));
  return m?.[1];
}
