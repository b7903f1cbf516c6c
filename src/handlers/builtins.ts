/**
 * The handlers this runtime ships, under their Micro Integrator class names (resolved before modules).
 * RESTBasicAuthHandler is not among them: it declares an access policy (security/policies/basic-auth.ts).
 */
export const BUILTIN_HANDLERS: ReadonlyMap<string, unknown> = new Map();
export const BUILTIN_GLOBAL_HANDLERS: ReadonlyMap<string, unknown> = new Map();
export const BUILTIN_CLASS_MEDIATORS: ReadonlyMap<string, unknown> = new Map();
