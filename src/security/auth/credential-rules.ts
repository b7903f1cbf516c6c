/**
 * What a user name, role name and password must look like, as in Micro Integrator's database user store:
 * user names `^[\S]{3,30}$`, passwords `^[\S]{5,30}$`, role names `^[\S]{3,30}$` by default, each replaceable
 * in `[user_store.properties]` with MI's property names (UsernameJavaRegEx, PasswordJavaRegEx,
 * RolenameJavaRegEx; read as JavaScript regular expressions, matched against the whole value as Java's
 * `matches()` does).
 */
import { Errors, MiError, type ErrorSpec } from '../../errors.js';

export interface CredentialRules {
  /** Throws MI_USR_002 when the user name breaks the rule. */
  checkUserName(name: string): void;
  /** Throws MI_USR_003 when the password breaks the rule. The password never appears in the message. */
  checkPassword(password: string): void;
  /** Throws MI_USR_002 when the role name breaks the rule. */
  checkRoleName(role: string): void;
  /**
   * For a user whose password is written in deployment.toml (`[super_admin]`, `[[internal_apis.users]]`):
   * the name and password rules, and no well-known default nor the user name as password (MI_USR_003).
   * The caller wraps the error in its own code, naming where the user is declared.
   */
  checkConfiguredUser(name: string, password: string): void;
}

/** Passwords that appear in every Micro Integrator guide and default file: refused for users declared in deployment.toml. */
export const WELL_KNOWN = new Set(['admin', 'password', 'changeit', 'changeme', 'wso2carbon', 'root', '12345', '123456', 'secret']);

interface Rule {
  readonly pattern: RegExp;
  /** What the default rule means in words; a custom rule is quoted instead. */
  readonly words: string;
}

const DEFAULTS = {
  UsernameJavaRegEx: { source: '^[\\S]{3,30}$', words: 'must be 3 to 30 characters without spaces' },
  PasswordJavaRegEx: { source: '^[\\S]{5,30}$', words: 'Password length should be within 5 to 30 characters (no spaces)' },
  RolenameJavaRegEx: { source: '^[\\S]{3,30}$', words: 'must be 3 to 30 characters without spaces' },
} as const;

function compile(property: keyof typeof DEFAULTS, value: unknown): Rule {
  if (value === undefined) return { pattern: wholeMatch(DEFAULTS[property].source), words: DEFAULTS[property].words };
  if (typeof value !== 'string' || value === '') {
    throw new MiError(Errors.CONFIG_VALUE, `[user_store.properties] ${property} must be a non-empty regular expression`);
  }
  try {
    return { pattern: wholeMatch(value), words: `must match ${property} ${value}` };
  } catch (err) {
    throw new MiError(Errors.CONFIG_VALUE, `[user_store.properties] ${property} is not a valid regular expression: ${(err as Error).message}`);
  }
}

function wholeMatch(source: string): RegExp {
  const anchored = `^(?:${source})$`;
  try {
    return new RegExp(anchored, 'u');
  } catch {
    // Java patterns often escape characters that Unicode-mode JavaScript rejects (\- outside a class)
    return new RegExp(anchored);
  }
}

function check(rule: Rule, value: string, spec: ErrorSpec, what: string): void {
  if (rule.pattern.test(value)) return;
  throw new MiError(spec, `${what} ${rule.words}`);
}

/** The rules of `[user_store.properties]` (defaults for properties not given). */
export function credentialRules(properties: Record<string, unknown> = {}): CredentialRules {
  const user = compile('UsernameJavaRegEx', properties['UsernameJavaRegEx']);
  const password = compile('PasswordJavaRegEx', properties['PasswordJavaRegEx']);
  const role = compile('RolenameJavaRegEx', properties['RolenameJavaRegEx']);
  const rules: CredentialRules = {
    checkUserName: (name) => check(user, name, Errors.USER_BAD_NAME, `user name '${name}'`),
    checkPassword: (pw) => {
      if (password.pattern.test(pw)) return;
      // the default rule's wording is MI's own message; a custom rule is named, never the password
      throw new MiError(Errors.USER_WEAK_PASSWORD, password.words.startsWith('must') ? `the password ${password.words}` : password.words);
    },
    checkRoleName: (r) => check(role, r, Errors.USER_BAD_NAME, `role name '${r}'`),
    checkConfiguredUser: (name, pw) => {
      if (pw.toLowerCase() === name.toLowerCase() || WELL_KNOWN.has(pw.toLowerCase())) {
        throw new MiError(Errors.USER_WEAK_PASSWORD, `the password is a well-known default (${[...WELL_KNOWN].slice(0, 4).join(', ')}, ...) or equals the user name`);
      }
      rules.checkUserName(name);
      rules.checkPassword(pw);
    },
  };
  return rules;
}
