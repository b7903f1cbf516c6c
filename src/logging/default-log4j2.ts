/** The logging configuration used when HOME/deployment/log4j2.properties is absent (same as the shipped file). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** deployment/log4j2.properties of this package. */
export function defaultLog4j2Text(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return readFileSync(path.resolve(here, '../../../deployment/log4j2.properties'), 'utf8');
}
