/** This runtime's version (package.json), as the probes and `wso2_integration_server_version` report it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let version: string | undefined;

export function productVersion(): string {
  if (version === undefined) {
    // dist/src/observability/ -> the package root
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../package.json');
    try {
      version = String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version ?? 'unknown');
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
