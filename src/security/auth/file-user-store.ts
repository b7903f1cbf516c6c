/**
 * The `[[internal_apis.users]]` list of deployment.toml as a read-only user store (`user.name`,
 * `user.password` — may be a `$secret{}`, or a hash `@sha256:{hex}` as API Microgateway's users are written
 * (configured-password.ts) —, optional `user.roles` and `user.is_admin`). Names are case-insensitive.
 * Passwords are compared as digests in constant time, and an unknown user costs the same comparison, so
 * timing tells nothing about which names exist. No user is built in: without the list, every credential is
 * refused. Plain passwords are known to the server, which is what WS-Security PasswordDigest needs.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { hashedPassword, passwordMatches, type HashedPassword } from './configured-password.js';
import type { UserInfo, UserStore } from './user-store.js';

interface Entry {
  readonly info: UserInfo;
  /** The plain password; undefined when it is written as a hash. */
  readonly password: string | undefined;
  readonly digest: Buffer;
  /** The password's hash as written (`@sha256:{...}`); null when that form is malformed (it never matches). */
  readonly hashed: HashedPassword | null | undefined;
}

function hashedOrNull(password: string, name: string): HashedPassword | null | undefined {
  try {
    return hashedPassword(password, name);
  } catch {
    return null; // reported at start by the configuration check (MI_API_019)
  }
}

export interface FileUser {
  readonly name: string;
  readonly password: string;
  readonly roles?: readonly string[];
  readonly isAdmin?: boolean;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

const NOBODY = digest('\u0000no such user\u0000');

function rolesFrom(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String).map((r) => r.trim()).filter(Boolean);
  if (typeof v === 'string') return v.split(',').map((r) => r.trim()).filter(Boolean);
  return [];
}

/** The `[[internal_apis.users]]` entries; malformed ones (no name or password) are skipped. */
export function fileUsersFromToml(toml: Record<string, unknown>): FileUser[] {
  const apis = toml['internal_apis'] as Record<string, unknown> | undefined;
  const list = Array.isArray(apis?.['users']) ? (apis!['users'] as unknown[]) : [];
  const users: FileUser[] = [];
  for (const item of list) {
    const u = (item as Record<string, unknown> | undefined)?.['user'] as Record<string, unknown> | undefined;
    if (!u || typeof u['name'] !== 'string' || typeof u['password'] !== 'string') continue;
    users.push({ name: u['name'], password: u['password'], roles: rolesFrom(u['roles']), isAdmin: u['is_admin'] === true || u['is_admin'] === 'true' });
  }
  return users;
}

export class FileUserStore implements UserStore {
  readonly kind = 'file' as const;
  readonly readOnly = true;
  private readonly entries = new Map<string, Entry>();

  constructor(list: readonly FileUser[], adminRole = 'admin') {
    const admin = adminRole.toLowerCase();
    for (const u of list) {
      const roles = [...(u.roles ?? [])];
      const hasAdmin = roles.some((r) => r.toLowerCase() === admin);
      if (u.isAdmin && !hasAdmin) roles.push(adminRole);
      const info: UserInfo = { name: u.name, roles, isAdmin: u.isAdmin === true || hasAdmin, source: 'file' };
      const hashed = hashedOrNull(u.password, u.name);
      this.entries.set(u.name.toLowerCase(), { info, password: hashed === undefined ? u.password : undefined, digest: digest(u.password), hashed });
    }
  }

  /** Reads `[[internal_apis.users]]` (see fileUsersFromToml). */
  static fromToml(toml: Record<string, unknown>, adminRole = 'admin'): FileUserStore {
    return new FileUserStore(fileUsersFromToml(toml), adminRole);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Synchronous check (both digests are 32 bytes: timingSafeEqual never throws and takes the same time). */
  verifySync(name: string, password: string): boolean {
    const e = this.entries.get(name.toLowerCase());
    if (e?.hashed !== undefined) return e.hashed !== null && passwordMatches(e.hashed, password);
    return timingSafeEqual(digest(password), e ? e.digest : NOBODY) && e !== undefined;
  }

  async verify(name: string, password: string): Promise<boolean> {
    return this.verifySync(name, password);
  }

  userSync(name: string): UserInfo | undefined {
    return this.entries.get(name.toLowerCase())?.info;
  }

  async user(name: string): Promise<UserInfo | undefined> {
    return this.userSync(name);
  }

  async users(): Promise<UserInfo[]> {
    return [...this.entries.values()].map((e) => e.info);
  }

  async roles(): Promise<string[]> {
    const seen = new Map<string, string>();
    for (const e of this.entries.values()) for (const r of e.info.roles) if (!seen.has(r.toLowerCase())) seen.set(r.toLowerCase(), r);
    return [...seen.values()];
  }

  knownPassword(name: string): string | undefined {
    return this.entries.get(name.toLowerCase())?.password;
  }
}
