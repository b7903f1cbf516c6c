/**
 * `[user_store]`, `[realm_manager]` and `[super_admin]` of deployment.toml, and the rules every user written
 * there (`[super_admin]`, `[[internal_apis.users]]`) must meet. Only the database user store
 * exists here: an absent `[user_store]` means the database store on the embedded SQLite file, and an LDAP
 * type (Micro Integrator's shipped toml declares `read_only_ldap`) stops the start with a code that says
 * what to change.
 */
import { Errors, MiError, type ErrorSpec } from '../../errors.js';
import { Section, type Table } from '../../config/section.js';
import { DEFAULT_ADMIN_ROLE } from '../../store/migrations.js';
import { credentialRules, WELL_KNOWN, type CredentialRules } from './credential-rules.js';
import { hashedPassword, passwordMatches } from './configured-password.js';
import { fileUsersFromToml } from './file-user-store.js';

export interface SuperAdmin {
  readonly name: string;
  /** A function, so the password does not travel with the settings into logs or JSON. */
  readonly password: () => string;
}

export interface UserStoreSettings {
  /** `[user_store] data_source`, else `[realm_manager] data_source`; undefined = let the stores decide. */
  readonly dataSource: string | undefined;
  /** `[user_store] read_only = true`: the running server (management API) cannot change users; `mi user` still can. */
  readonly readOnly: boolean;
  readonly rules: CredentialRules;
  /** `[super_admin] admin_role`, `admin` by default. */
  readonly adminRole: string;
  /** The `[super_admin]` user (`username`, `admin` when only a password is given): it cannot be deleted. */
  readonly superAdminName: string | undefined;
  /** Set when `[super_admin]` has a password and create_admin_account is not false: made at start if absent. */
  readonly superAdmin: SuperAdmin | undefined;
}


const DATABASE_TYPES = new Set(['database', 'database_unique_id']);

/**
 * Users whose password is written in deployment.toml meet the same rules as users added later, and no
 * well-known default: a stock `admin`/`admin` would otherwise hold full management rights.
 */
function checkConfiguredUser(rules: CredentialRules, name: string, password: string, spec: ErrorSpec, where: string, alternative: string): void {
  try {
    rules.checkConfiguredUser(name, password);
  } catch (err) {
    if (!(err instanceof MiError)) throw err;
    throw new MiError(spec, `${where} user '${name}': ${err.message}; choose a strong password (ideally a $secret{alias}), ${alternative}`);
  }
}

export function userStoreSettings(toml: Table): UserStoreSettings {
  const us = Section.at(toml, 'user_store');
  const type = us.get('type') === undefined ? 'database' : String(us.get('type')).trim().toLowerCase();
  const rawClass = us.get('class');
  const cls = typeof rawClass === 'string' ? rawClass : '';
  if (!DATABASE_TYPES.has(type) || /ldap|activedirectory/i.test(cls)) {
    const what = DATABASE_TYPES.has(type) ? `class = "${cls}"` : `type = "${us.get('type')}"`;
    throw new MiError(
      Errors.USER_STORE_TYPE,
      `[user_store] ${what} is not supported: LDAP and Active Directory user stores are not available here. ` +
        'Remove [user_store] (users then live in the embedded database) or set type = "database" with data_source = "<[[datasource]] id>"',
    );
  }
  const rules = credentialRules(us.child('properties').table);
  const sa = Section.at(toml, 'super_admin');
  const adminRole = sa.optionalText('admin_role') ?? DEFAULT_ADMIN_ROLE;
  rules.checkRoleName(adminRole);
  const password = sa.get('password');
  const configuredName = sa.optionalText('username');
  const superAdminName = configuredName ?? 'admin';
  const create = sa.flag('create_admin_account', true);
  let superAdmin: SuperAdmin | undefined;
  if (password !== undefined && create) {
    if (typeof password !== 'string') throw new MiError(Errors.CONFIG_VALUE, '[super_admin] password must be a string (or a $secret{alias})');
    checkConfiguredUser(rules, superAdminName, password, Errors.SUPER_ADMIN_CONFIG, '[super_admin]', 'or remove the password to create no admin account');
    superAdmin = { name: superAdminName, password: () => password };
  }
  for (const u of fileUsersFromToml(toml)) {
    const hashed = hashedPassword(u.password, `[[internal_apis.users]] user '${u.name}'`);
    if (hashed === undefined) {
      checkConfiguredUser(rules, u.name, u.password, Errors.FILE_USER_WEAK, '[[internal_apis.users]]', 'or remove the entry and add the user with `mi user add`');
      continue;
    }
    // a hash hides the password's length and letters; what can still be checked: the name, and no well-known default
    try {
      rules.checkUserName(u.name);
    } catch (err) {
      if (!(err instanceof MiError)) throw err;
      throw new MiError(Errors.FILE_USER_WEAK, `[[internal_apis.users]] user '${u.name}': ${err.message}`);
    }
    if ([...WELL_KNOWN, u.name, u.name.toLowerCase()].some((w) => passwordMatches(hashed, w))) {
      throw new MiError(Errors.FILE_USER_WEAK, `[[internal_apis.users]] user '${u.name}': the password hash is that of a well-known default (${[...WELL_KNOWN].slice(0, 4).join(', ')}, ...) or of the user name; choose a strong password`);
    }
  }
  const realm = Section.at(toml, 'realm_manager');
  return {
    dataSource: us.optionalText('data_source') ?? realm.optionalText('data_source'),
    readOnly: us.flag('read_only', false),
    rules,
    adminRole,
    superAdminName: configuredName ?? superAdmin?.name,
    superAdmin,
  };
}
