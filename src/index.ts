/**
 * The package's public SDK: the types extensions are written against.
 *
 *   import type { Handler, MessageContext } from 'mediation-runtime';
 *
 * Type-only imports vanish when the runtime compiles an extension, so a handler file needs nothing
 * installed to run; the package is only needed for an editor's type checking.
 */
export type {
  ApiInfo,
  Caller,
  CallerScheme,
  ClassMediator,
  ExtensionClass,
  GlobalHandler,
  Handler,
  HandlerProperties,
  HandlerPropertyValue,
  HookResult,
  InboundInfo,
  MessageContext,
  MessagePayload,
  PropertyScope,
  ResourceInfo,
} from './context/handler-contract.js';
export type { JsonNumber } from './json/json-number.js';
export type { UserInfo, UserStore, WritableUserStore } from './security/auth/user-store.js';
export type { AuthenticatedUser, AuthFailure, Authenticator, AuthOutcome } from './security/auth/authenticator.js';
