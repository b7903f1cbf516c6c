/**
 * The primary key store, opened on first use: a start without secrets never pays for reading it. It is the
 * one configured under [keystore.primary], else the development key store found by name.
 */
import { Errors, MiError } from '../../errors.js';
import { devKeyStoreConfig, securityDir, type KeyStoreConfig } from './keystore-config.js';
import { loadKeyStore, type LoadedKeyStore } from './keystore.js';

export class PrimaryKeyStore {
  private loaded: LoadedKeyStore | undefined;

  constructor(
    readonly home: string,
    /** From [keystore.primary]; undefined when the section is absent. */
    readonly configured: KeyStoreConfig | undefined,
  ) {}

  settings(): KeyStoreConfig | undefined {
    return this.configured ?? devKeyStoreConfig(this.home);
  }

  get(): LoadedKeyStore {
    if (this.loaded) return this.loaded;
    const cfg = this.settings();
    if (!cfg) {
      throw new MiError(
        Errors.KEYSTORE,
        `no key store: [keystore.primary] is not set in deployment.toml and ${securityDir(this.home)} has no development key store; ` +
          `make one with \`mi keystore create --home ${this.home}\``,
      );
    }
    this.loaded = loadKeyStore(cfg);
    return this.loaded;
  }
}
