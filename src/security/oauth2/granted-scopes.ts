/**
 * The scopes a user gets, as API Manager binds scopes to roles: a scope listed in
 * `[api_security.scope_roles]` goes only to users holding one of its roles; any other scope the
 * application may ask for goes to everybody. Requested scopes the application is not registered for are dropped.
 */
export function grantedScopes(requested: string | undefined, appScopes: readonly string[], userRoles: readonly string[], scopeRoles: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const asked = requested === undefined ? appScopes : requested.split(' ').filter(Boolean);
  const roles = userRoles.map((r) => r.toLowerCase());
  return [...new Set(asked)].filter((s) => {
    if (!appScopes.includes(s)) return false;
    const holders = scopeRoles.get(s);
    return holders === undefined || roles.some((r) => holders.has(r));
  });
}
