/**
 * The tables the runtime keeps in its database (embedded SQLite by default, PostgreSQL or MySQL/MariaDB
 * in production), as Kysely types. Migrations (src/store/migrations.ts) create them; every name carries
 * the `mi_` prefix so the runtime can share a database with other applications.
 */
export interface UserTable {
  /** The user name lower-cased: names are case-insensitive, as in Micro Integrator. Primary key. */
  name_key: string;
  /** The name as it was first written, for display. */
  name: string;
  /** `scrypt$N$r$p$<salt b64>$<hash b64>` (src/security/auth/password-hash.ts). */
  password_hash: string;
  /** ISO-8601 UTC. */
  created_at: string;
}

export interface RoleTable {
  /** Lower-cased role name. Primary key. */
  name_key: string;
  name: string;
}

export interface UserRoleTable {
  user_key: string;
  role_key: string;
}

export interface TransactionCountTable {
  /** The hour the requests arrived in, UTC, as `YYYY-MM-DDTHH` (sorts and compares as text). Primary key. */
  hour: string;
  /** Requests that entered a proxy service or API in that hour, summed over every node. */
  count: number;
}

export interface ApiKeyTable {
  /** A short random id, shown by `mi api-key list` and named by `mi api-key revoke`. Primary key. */
  id: string;
  /** SHA-256 of the key, lower-case hex: the key itself is never stored. Unique. */
  key_hash: string;
  /** The name of the API the key opens. */
  api: string;
  /** `--name`: who or what holds the key ('' when none was given). */
  label: string;
  /** ISO-8601 UTC. */
  created_at: string;
  /** ISO-8601 UTC; null: the key does not expire. */
  expires_at: string | null;
  /** ISO-8601 UTC; null: not revoked. */
  revoked_at: string | null;
}

export interface ApiClientCertificateTable {
  /** The name of the API the certificate opens. */
  api: string;
  /** `--alias`, unique per API among the rows in force. */
  alias: string;
  /** The certificate, PEM. */
  certificate: string;
  /** `--tier`: the throttling tier of calls it admits. */
  tier: string;
  /** 1: deleted (kept, as API Manager keeps it); 0: in force. */
  removed: number;
  /** ISO-8601 UTC. */
  added_at: string;
}

/**
 * Management API access tokens that every node sharing the database accepts (src/management/). Only the
 * token id is stored, never the JWT: the id alone cannot be used without the key that signed it.
 */
export interface ManagementTokenTable {
  /** The JWT's `jti` (a random UUID). Primary key. */
  id: string;
  /** Lower-cased user name, for revoking every token of a user. */
  user_key: string;
  user_name: string;
  /** 1 when the user had the admin role at login (admin resources look the role up again anyway). */
  is_admin: number;
  /** Epoch milliseconds. */
  expires_at: number;
  /** Epoch milliseconds of the last use: the least recently used token goes first when the store is full. */
  last_access: number;
}

/** OAuth2 applications of `mi app add` (the token service, src/security/oauth2/). */
export interface OAuth2AppTable {
  /** Random, shown once with the secret. Primary key. */
  client_id: string;
  /** Lower-cased name, unique. */
  name_key: string;
  name: string;
  /** SHA-256 of the client secret, lower-case hex: the secret itself is never stored. */
  secret_hash: string;
  /** Space-separated grant types. */
  grant_types: string;
  /** Space-separated redirect URIs ('' when none). */
  redirect_uris: string;
  /** Space-separated scopes the application may ask for ('' when none). */
  scope: string;
  /** ISO-8601 UTC. */
  created_at: string;
}

/** The token service's shared state: one row per oidc-provider model instance. */
export interface OAuth2StateTable {
  /** The oidc-provider model: AccessToken, RefreshToken, AuthorizationCode, Grant, Session, Interaction, ... */
  model: string;
  id: string;
  /** The model's payload, JSON. */
  payload: string;
  grant_id: string | null;
  uid: string | null;
  /** Epoch seconds after which the row is dead (and removed); null: none. */
  expires_at: number | null;
}

export interface DatabaseSchema {
  mi_users: UserTable;
  mi_roles: RoleTable;
  mi_user_roles: UserRoleTable;
  mi_transaction_counts: TransactionCountTable;
  mi_api_keys: ApiKeyTable;
  mi_api_client_certificates: ApiClientCertificateTable;
  mi_management_tokens: ManagementTokenTable;
  mi_oauth2_apps: OAuth2AppTable;
  mi_oauth2_state: OAuth2StateTable;
}
