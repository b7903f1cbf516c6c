/**
 * Dot segments (RFC 3986 5.2.4) in the forms a URL parser honours: `.` and `..`, with either dot written as
 * `%2e` in any case (WHATWG URL treats `%2e%2E` exactly like `..`). One definition for the listener, which
 * resolves them in request paths, and for the endpoints, which keep them from climbing out of a base URL.
 */

export const enum DotSegment {
  NONE = 0,
  /** `.` */
  CURRENT = 1,
  /** `..` */
  PARENT = 2,
}

export function dotSegmentKind(segment: string): DotSegment {
  const n = segment.length;
  if (n === 0 || n > 6) return DotSegment.NONE;
  if (n === 1) return segment === '.' ? DotSegment.CURRENT : DotSegment.NONE;
  const l = segment.toLowerCase();
  if (l === '..' || l === '.%2e' || l === '%2e.' || l === '%2e%2e') return DotSegment.PARENT;
  return l === '%2e' ? DotSegment.CURRENT : DotSegment.NONE;
}

/** True if the text may hold a dot segment (a cheap test before splitting). */
export function mayHoldDotSegment(text: string): boolean {
  return text.includes('.') || text.includes('%2e') || text.includes('%2E');
}
