/**
 * Prometheus text read by the Prometheus project's own parser (prometheus_client.parser, Debian's
 * python3-prometheus-client): an independent reader for what prom-client writes. A line it refuses fails.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './process.js';

const PARSER = path.join(ROOT, 'test/observability/prometheus-parse.py');

export interface ParsedSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number | string;
}
export interface ParsedFamily {
  readonly name: string;
  readonly type: string;
  readonly samples: readonly ParsedSample[];
}

export function parsePrometheusText(text: string): Promise<ParsedFamily[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/python3', [PARSER], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`the Prometheus parser refused the metrics: ${stderr || err.message}`));
      resolve(JSON.parse(stdout) as ParsedFamily[]);
    });
    child.stdin!.end(text);
  });
}
