/**
 * The `[[internal_apis.users]]` list of deployment.toml as a user store (`user.name`, `user.password`,
 * optional `user.roles` and `user.is_admin`). Passwords are compared in constant time, and an unknown user
 * costs the same comparison, so timing tells nothing about which names exist. No user is built in: without
 * the list, every credential is refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { UserStore } from './user-store.js';

interface Entry {
  readonly digest: Buffer;
  readonly roles: readonly string[];
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

export class TomlUserStore implements UserStore {
  private readonly users = new Map<string, Entry>();

  constructor(list: readonly { name: string; password: string; roles?: readonly string[]; isAdmin?: boolean }[]) {
    for (const u of list) {
      const roles = [...(u.roles ?? [])];
      if (u.isAdmin && !roles.includes('admin')) roles.push('admin');
      this.users.set(u.name, { digest: digest(u.password), roles });
    }
  }

  /** Reads `[[internal_apis.users]]` (each `user.name = ..., user.password = ...`); malformed entries are skipped. */
  static fromToml(toml: Record<string, unknown>): TomlUserStore {
    const apis = toml['internal_apis'] as Record<string, unknown> | undefined;
    const list = Array.isArray(apis?.['users']) ? (apis!['users'] as unknown[]) : [];
    const users: { name: string; password: string; roles?: string[]; isAdmin?: boolean }[] = [];
    for (const item of list) {
      const u = (item as Record<string, unknown> | undefined)?.['user'] as Record<string, unknown> | undefined;
      if (!u || typeof u['name'] !== 'string' || typeof u['password'] !== 'string') continue;
      users.push({ name: u['name'], password: u['password'], roles: rolesFrom(u['roles']), isAdmin: u['is_admin'] === true || u['is_admin'] === 'true' });
    }
    return new TomlUserStore(users);
  }

  authenticate(user: string, password: string): boolean {
    const e = this.users.get(user);
    // both digests are 32 bytes, so timingSafeEqual never throws and takes the same time either way
    const ok = timingSafeEqual(digest(password), e ? e.digest : NOBODY);
    return ok && e !== undefined;
  }

  rolesOf(user: string): readonly string[] {
    return this.users.get(user)?.roles ?? [];
  }
}
