/** What every management resource can reach: the runtime, its settings, the token service. */
import type { Runtime } from '../runtime.js';
import type { TransactionCounter } from '../transactions/counter.js';
import type { ManagementSettings } from './settings.js';
import type { TokenService } from './tokens.js';

export interface ManagementContext {
  readonly runtime: Runtime;
  readonly settings: ManagementSettings;
  readonly tokens: TokenService;
  /** Base URLs of the mediation listeners (`http://host:8290`), for the URLs of APIs and proxies. */
  readonly listeners: { readonly http?: string; readonly https?: string };
  readonly startedAt: number;
  /** The running counter with its database; undefined when `[transaction_counter] enable` is false. */
  readonly transactions?: TransactionCounter;
  /** The file a deployed artifact came from (endpoints keep no file of their own). */
  artifactFile(kind: 'endpoint' | 'sequence' | 'localEntry', name: string): string | undefined;
  /** Seconds a rate-limited login has to wait (the authentication failure window). */
  readonly retryAfterSeconds: number;
}
