/**
 * `/management/users` (admin only), Micro Integrator's UsersResource and UserResource:
 *   GET    /users[?searchKey=&role=]     -> {"count", "list": [{"userId"}]}
 *   GET    /users/{userId}               -> {"userId", "isAdmin", "roles"}
 *   POST   /users {"userId", "password", "isAdmin", "roles"?} -> {"userId", "status": "Added"}
 *   DELETE /users/{userId}               -> {"userId", "status": "Deleted"} (not yourself)
 *   PATCH  /users/{userId} {"newPassword", "confirmPassword", "oldPassword"} (oldPassword for your own)
 * Changes go to the writable (database) store; the file store of deployment.toml is read-only. Each change
 * drops the user's cached logins, and deleting a user revokes their tokens.
 */
import type { FastifyInstance } from 'fastify';
import { Errors, MiError } from '../../errors.js';
import type { WritableUserStore } from '../../security/auth/user-store.js';
import type { ManagementContext } from '../context.js';
import { badRequest } from '../errors.js';
import { listOf, type Query } from '../list.js';

const LOGGER = 'org.wso2.micro.integrator.management.apis.UserResource';

export function writableStore(ctx: ManagementContext): WritableUserStore {
  const w = ctx.runtime.auth.writable;
  if (!w) throw new MiError(Errors.MGT_READ_ONLY_USERS, 'users and roles cannot be changed here: only the read-only [[internal_apis.users]] of deployment.toml are configured (the database user store is not in use)');
  return w;
}

function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') badRequest(`the JSON body needs "${key}" as a non-empty string`);
  return v;
}

function roleList(v: unknown, key: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((r) => typeof r !== 'string' || r.trim() === '')) badRequest(`"${key}" must be an array of role names`);
  return (v as string[]).map((r) => r.trim());
}

/** The store throws for a store that cannot be reached; anything without our code is that. */
export async function store<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof MiError) throw err;
    throw new MiError(Errors.MGT_AUTH_UNAVAILABLE, `the user store cannot be reached: ${(err as Error).message}`, { cause: err });
  }
}

export function registerUsers(app: FastifyInstance, ctx: ManagementContext): void {
  const admin = { config: { access: 'admin' as const } };
  const auth = ctx.runtime.auth;
  const log = (m: string): void => ctx.runtime.logs.get(LOGGER).info(m);

  app.get('/management/users', admin, async (req) => {
    const q = req.query as Query;
    const role = q['role']?.toLowerCase();
    const users = (await store(() => auth.users())).filter((u) => !role || u.roles.some((r) => r.toLowerCase() === role));
    return listOf(users.map((u) => ({ userId: u.name })), (u) => u.userId, q);
  });

  app.get('/management/users/:userId', admin, async (req) => {
    const { userId } = req.params as { userId: string };
    const u = await store(() => auth.user(userId));
    if (!u) throw new MiError(Errors.USER_NOT_FOUND, `user '${userId}' cannot be found`);
    return { userId: u.name, isAdmin: u.isAdmin, roles: u.roles };
  });

  app.post('/management/users', admin, async (req) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const userId = str(body, 'userId');
    const password = str(body, 'password');
    const roles = roleList(body['roles'], 'roles');
    if (isTrue(body['isAdmin']) && !roles.some((r) => r.toLowerCase() === auth.adminRole.toLowerCase())) roles.push(auth.adminRole);
    const w = writableStore(ctx);
    if (await store(() => auth.user(userId))) throw new MiError(Errors.USER_EXISTS, `user '${userId}' already exists (names are case-insensitive)`);
    await store(() => w.addUser(userId, password, roles));
    auth.invalidate(userId);
    log(`user '${req.principal!.user}' added user '${userId}'${roles.length ? ` with roles ${roles.join(', ')}` : ''}`);
    return { userId, status: 'Added' };
  });

  app.delete('/management/users/:userId', admin, async (req) => {
    const { userId } = req.params as { userId: string };
    if (userId.toLowerCase() === req.principal!.user.toLowerCase()) {
      badRequest('Attempt to delete the logged in user. Operation not allowed. Please login from another user.');
    }
    const w = writableStore(ctx);
    if (!(await store(() => w.deleteUser(userId)))) {
      const file = await store(() => auth.user(userId));
      if (file) throw new MiError(Errors.MGT_READ_ONLY_USERS, `user '${userId}' is defined in deployment.toml ([[internal_apis.users]]) and cannot be deleted here`);
      throw new MiError(Errors.USER_NOT_FOUND, `user '${userId}' cannot be found`);
    }
    auth.invalidate(userId);
    await ctx.tokens.revokeUser(userId);
    log(`user '${req.principal!.user}' deleted user '${userId}'`);
    return { userId, status: 'Deleted' };
  });

  app.patch('/management/users/:userId', admin, async (req) => {
    const { userId } = req.params as { userId: string };
    const body = (req.body ?? {}) as Record<string, unknown>;
    const newPassword = str(body, 'newPassword');
    const confirm = str(body, 'confirmPassword');
    if (newPassword !== confirm) badRequest('New password and re-typed password does not match.');
    const w = writableStore(ctx);
    const u = await store(() => w.user(userId));
    if (!u) {
      if (await store(() => auth.user(userId))) throw new MiError(Errors.MGT_READ_ONLY_USERS, `user '${userId}' is defined in deployment.toml; change the password there`);
      throw new MiError(Errors.USER_NOT_FOUND, `user '${userId}' cannot be found`);
    }
    if (u.name.toLowerCase() === req.principal!.user.toLowerCase()) {
      // your own password: prove you know the current one, as Micro Integrator asks
      const old = body['oldPassword'];
      if (typeof old !== 'string' || !(await store(() => w.verify(userId, old)))) badRequest('"oldPassword" is missing or wrong; your own password needs the current one');
    }
    await store(() => w.setPassword(userId, newPassword));
    auth.invalidate(userId);
    log(`user '${req.principal!.user}' changed the password of user '${userId}'`);
    return { userId: u.name, status: 'Password updated' };
  });
}
