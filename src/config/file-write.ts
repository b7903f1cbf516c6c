/**
 * Writes through a temporary file and a rename, so a reader (or a crash) never sees half a file. An existing
 * file keeps its permissions unless a mode is given.
 */
import { chmodSync, existsSync, renameSync, statSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(file: string, data: string | Buffer, mode?: number): void {
  const keep = mode ?? (existsSync(file) ? statSync(file).mode & 0o777 : 0o644);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: keep });
  chmodSync(tmp, keep);
  renameSync(tmp, file);
}
