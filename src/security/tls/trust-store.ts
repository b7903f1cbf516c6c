/**
 * The client CAs of the HTTPS listener, kept current: re-read when the file changes (fs.watch) and on every
 * listener.ssl_profile.read_interval (fs.watch misses edits on some file systems and renames by editors).
 * A reload that fails keeps the previous certificates and is logged; it never takes the listener down.
 */
import { X509Certificate } from 'node:crypto';
import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { Errors, MiError } from '../../errors.js';
import type { KeyStoreConfig } from '../keys/keystore-config.js';
import { loadTrustedCertificates } from '../keys/keystore.js';
import { ChainVerifier } from './chain-verifier.js';

export class TrustStore {
  pems: string[] = [];
  certs: X509Certificate[] = [];
  /** Verifies client certificate chains against these certificates; a new one (empty cache) per load. */
  verifier = new ChainVerifier([]);
  private stamp = '';
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;

  constructor(readonly cfg: KeyStoreConfig) {}

  /** Reads the file; throws MI_TLS_001 with the reason when it cannot be used. */
  load(): void {
    let pems: string[];
    try {
      pems = loadTrustedCertificates(this.cfg);
    } catch (err) {
      throw new MiError(Errors.TLS_SETUP, `${this.cfg.where} ${this.cfg.file}: ${(err as Error).message}`, { cause: err });
    }
    this.certs = pems.map((p) => new X509Certificate(p));
    this.verifier = new ChainVerifier(this.certs);
    this.pems = pems;
    this.stamp = this.fileStamp();
  }

  private fileStamp(): string {
    try {
      const st = statSync(this.cfg.file);
      return `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return '';
    }
  }

  /** Called after each successful reload (the HTTPS listener installs a new secure context). */
  readonly reloaded: (() => void)[] = [];

  /** Starts watching; onError gets a changed file that cannot be used. */
  watch(intervalMs: number, onChange: () => void, onError: (err: Error) => void): void {
    const check = (): void => {
      const now = this.fileStamp();
      if (now === this.stamp || now === '') return;
      try {
        this.load();
        for (const fn of this.reloaded) fn();
        onChange();
      } catch (err) {
        this.stamp = now; // report a broken file once, not on every tick
        onError(err as Error);
      }
    };
    this.timer = setInterval(check, intervalMs);
    this.timer.unref();
    try {
      // the folder, not the file: editors and `mv` replace the inode, which a file watch would lose
      const base = path.basename(this.cfg.file);
      this.watcher = watch(path.dirname(this.cfg.file), (_e, name) => {
        if (name === null || name === base) setTimeout(check, 50).unref(); // let the writer finish
      });
      this.watcher.on('error', () => this.watcher?.close());
      this.watcher.unref();
    } catch {
      // polling alone still picks changes up
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.watcher?.close();
  }
}
