/** The handlers this runtime ships, under their Micro Integrator class names (resolved before modules). */
import { BASIC_AUTH_HANDLER_CLASS, RESTBasicAuthHandler } from './basic-auth-handler.js';

export const BUILTIN_HANDLERS: ReadonlyMap<string, unknown> = new Map<string, unknown>([[BASIC_AUTH_HANDLER_CLASS, RESTBasicAuthHandler]]);

/** None yet: global handlers and class mediators come from extensions/. */
export const BUILTIN_GLOBAL_HANDLERS: ReadonlyMap<string, unknown> = new Map();
export const BUILTIN_CLASS_MEDIATORS: ReadonlyMap<string, unknown> = new Map();
