/**
 * Where built-in handlers check user names and passwords. The runtime uses the `[[internal_apis.users]]`
 * list of deployment.toml until a user store is installed for it (the users and roles work plugs in here
 * with useUserStore). Synchronous stores keep the handler synchronous.
 */
import type { Runtime } from '../runtime.js';
import { TomlUserStore } from './toml-user-store.js';

export interface UserStore {
  /** True when `password` is the user's password. Implementations compare in constant time. */
  authenticate(user: string, password: string): boolean | Promise<boolean>;
  /** The user's roles (an admin user has `admin`); empty for an unknown user. */
  rolesOf(user: string): readonly string[] | Promise<readonly string[]>;
}

const stores = new WeakMap<Runtime, UserStore>();

/** Makes `store` the one built-in handlers of this runtime authenticate against. */
export function useUserStore(runtime: Runtime, store: UserStore): void {
  stores.set(runtime, store);
}

export function userStoreOf(runtime: Runtime): UserStore {
  let s = stores.get(runtime);
  if (!s) stores.set(runtime, (s = TomlUserStore.fromToml(runtime.config.toml)));
  return s;
}
