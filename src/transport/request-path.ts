/**
 * The path of an inbound request as the runtime dispatches it: dot segments (`..`, `%2e%2e`, `.%2E`, ...)
 * resolved, so what follows a proxy name or an API context (REST_URL_POSTFIX, uri.var.*) never holds one
 * and cannot climb out of the endpoint it is appended to. A path that would climb above the root is
 * refused (400, MI_REQ_011) rather than clamped: no honest client sends one. A backslash is data here
 * (`%5C`): URL parsers downstream would otherwise read it as a `/`. Encoded slashes stay encoded.
 */
import { Errors, MiError } from '../errors.js';
import { DotSegment, dotSegmentKind, mayHoldDotSegment } from '../endpoints/dot-segments.js';

export function resolveRequestPath(path: string): string {
  // '*' (OPTIONS) and absolute-form targets match no proxy or API: left as they came
  if (path.charCodeAt(0) !== 47 /* '/' */) return path;
  const p = path.includes('\\') ? path.replace(/\\/g, '%5C') : path;
  if (!mayHoldDotSegment(p)) return p;
  const segments = p.split('/');
  const out: string[] = [];
  let changed = false;
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    const kind = dotSegmentKind(s);
    if (kind === DotSegment.NONE) {
      out.push(s);
      continue;
    }
    changed = true;
    if (kind === DotSegment.PARENT) {
      if (out.length === 0) throw new MiError(Errors.PATH_ABOVE_ROOT, `the request path '${clip(path)}' climbs above the root with '..'; send a path without dot segments`);
      out.pop();
    }
    // a dot segment at the end leaves the path ending in '/' (RFC 3986 5.2.4)
    if (i === segments.length - 1) out.push('');
  }
  return changed ? '/' + out.join('/') : p;
}

function clip(path: string): string {
  return path.length > 200 ? path.slice(0, 200) + '...' : path;
}
