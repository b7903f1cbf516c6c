import type { ErrorSpec } from '../errors.js';

/** One problem found in an artifact or the configuration, with the place to fix it. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  code: string;
  severity: 'error' | 'warning';
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}  ${d.code}  ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

export function diagnostic(
  file: string,
  pos: { line: number; col: number },
  spec: ErrorSpec,
  message: string,
  severity: 'error' | 'warning' = 'error',
): Diagnostic {
  return { file, line: pos.line, col: pos.col, code: spec.code, severity, message };
}
