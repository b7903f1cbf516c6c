/**
 * Where users, their passwords and roles live. Two kinds: the read-only file store of
 * `[[internal_apis.users]]` in deployment.toml, and the database store (embedded SQLite by default,
 * PostgreSQL or MySQL with `[user_store] type = "database"`). User names are case-insensitive.
 */
export interface UserInfo {
  /** The name as stored (display case). */
  readonly name: string;
  readonly roles: readonly string[];
  /** Holds the admin role (`admin`, or `[super_admin] admin_role`). */
  readonly isAdmin: boolean;
  readonly source: 'file' | 'database';
}

export interface UserStore {
  readonly kind: 'file' | 'database';
  /** True when users and roles cannot be changed through this store. */
  readonly readOnly: boolean;
  /**
   * True when verify runs a password hash (scrypt on the thread pool, 128 MiB each): the authentication
   * service bounds how many run at once. Cheap checks (file users) are not bounded.
   */
  readonly hashed?: boolean;
  /**
   * True when `password` is the user's password. Takes the same time for an unknown user (a dummy
   * comparison), so timing does not tell which names exist. Rejects (throws) only when the store itself
   * cannot be reached.
   */
  verify(name: string, password: string): Promise<boolean>;
  /** The user, or undefined when unknown. */
  user(name: string): Promise<UserInfo | undefined>;
  users(): Promise<UserInfo[]>;
  roles(): Promise<string[]>;
  /**
   * The user's clear password when this store can know it (file users, whose password is in
   * deployment.toml or a `$secret{}`); undefined for hashed database users. WS-Security PasswordDigest
   * needs it.
   */
  knownPassword?(name: string): string | undefined;
}

export interface WritableUserStore extends UserStore {
  /** Adds a user; throws MiError (duplicate, invalid name or weak password, unknown role). */
  addUser(name: string, password: string, roles: readonly string[]): Promise<UserInfo>;
  /** False when there was no such user. */
  deleteUser(name: string): Promise<boolean>;
  setPassword(name: string, password: string): Promise<void>;
  addRole(role: string): Promise<void>;
  /** False when there was no such role. Removes it from every user. */
  deleteRole(role: string): Promise<boolean>;
  /** Adds and removes roles of a user; returns the user's roles afterwards. */
  updateRoles(name: string, add: readonly string[], remove: readonly string[]): Promise<readonly string[]>;
}
