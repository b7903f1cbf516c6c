/**
 * `/management/roles` (admin only), Micro Integrator's RolesResource and RoleResource:
 *   GET    /roles[?searchKey=]        -> {"count", "list": [{"role"}]}
 *   GET    /roles/{role}              -> {"role", "users": [...]}
 *   POST   /roles {"role"}            -> {"role", "status": "Added"}
 *   DELETE /roles/{role}              -> {"role", "status": "Deleted"}
 *   PUT    /roles {"userId", "addedRoles", "removedRoles"} -> {"userId", "status": "Added/removed the roles"}
 */
import type { FastifyInstance } from 'fastify';
import { Errors, MiError } from '../../errors.js';
import type { ManagementContext } from '../context.js';
import { badRequest } from '../errors.js';
import { listOf, type Query } from '../list.js';
import { store, writableStore } from './users.js';

const LOGGER = 'org.wso2.micro.integrator.management.apis.RoleResource';

/** Every role: those of the writable store, the admin role, and any a (file) user holds. */
async function allRoles(ctx: ManagementContext): Promise<string[]> {
  const seen = new Map<string, string>();
  const add = (r: string): void => {
    if (!seen.has(r.toLowerCase())) seen.set(r.toLowerCase(), r);
  };
  add(ctx.runtime.auth.adminRole);
  const w = ctx.runtime.auth.writable;
  if (w) for (const r of await store(() => w.roles())) add(r);
  for (const u of await store(() => ctx.runtime.auth.users())) u.roles.forEach(add);
  return [...seen.values()];
}

function names(v: unknown, key: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((r) => typeof r !== 'string' || r.trim() === '')) badRequest(`"${key}" must be an array of role names`);
  return (v as string[]).map((r) => r.trim());
}

export function registerRoles(app: FastifyInstance, ctx: ManagementContext): void {
  const admin = { config: { access: 'admin' as const } };
  const log = (m: string): void => ctx.runtime.logs.get(LOGGER).info(m);

  app.get('/management/roles', admin, async (req) => listOf((await allRoles(ctx)).map((role) => ({ role })), (r) => r.role, req.query as Query));

  app.get('/management/roles/:role', admin, async (req) => {
    const { role } = req.params as { role: string };
    const key = role.toLowerCase();
    const known = (await allRoles(ctx)).find((r) => r.toLowerCase() === key);
    if (!known) throw new MiError(Errors.ROLE_NOT_FOUND, `role '${role}' cannot be found`);
    const users = (await store(() => ctx.runtime.auth.users())).filter((u) => u.roles.some((r) => r.toLowerCase() === key)).map((u) => u.name);
    return { role: known, users };
  });

  app.post('/management/roles', admin, async (req) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const role = body['role'];
    if (typeof role !== 'string' || role.trim() === '') badRequest('the JSON body needs "role" as a non-empty string');
    const w = writableStore(ctx);
    await store(() => w.addRole(role.trim()));
    log(`user '${req.principal!.user}' added role '${role.trim()}'`);
    return { role: role.trim(), status: 'Added' };
  });

  app.delete('/management/roles/:role', admin, async (req) => {
    const { role } = req.params as { role: string };
    const w = writableStore(ctx);
    if (!(await store(() => w.deleteRole(role)))) throw new MiError(Errors.ROLE_NOT_FOUND, `role '${role}' cannot be found`);
    // whoever held it must not keep it through a cached login
    ctx.runtime.auth.invalidate();
    log(`user '${req.principal!.user}' deleted role '${role}'`);
    return { role, status: 'Deleted' };
  });

  app.put('/management/roles', admin, async (req) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const userId = body['userId'];
    if (typeof userId !== 'string' || userId === '') badRequest('the JSON body needs "userId" as a non-empty string');
    const added = names(body['addedRoles'], 'addedRoles');
    const removed = names(body['removedRoles'], 'removedRoles');
    const w = writableStore(ctx);
    if (!(await store(() => w.user(userId)))) {
      if (await store(() => ctx.runtime.auth.user(userId))) throw new MiError(Errors.MGT_READ_ONLY_USERS, `user '${userId}' is defined in deployment.toml ([[internal_apis.users]]); change its roles there`);
      throw new MiError(Errors.USER_NOT_FOUND, `user '${userId}' cannot be found`);
    }
    await store(() => w.updateRoles(userId, added, removed));
    ctx.runtime.auth.invalidate(userId);
    log(`user '${req.principal!.user}' changed the roles of '${userId}' (added: ${added.join(', ') || 'none'}; removed: ${removed.join(', ') || 'none'})`);
    return { userId, status: 'Added/removed the roles' };
  });
}
