/**
 * The part of oidc-provider 8 (which ships no types) this project uses: the provider, its configuration as
 * a loose object, the storage adapter contract, the models the token service creates, and the errors.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown> & { grantId?: string; consumed?: number; uid?: string };

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface Client {
    readonly clientId: string;
    readonly clientSecret?: string;
    readonly scope?: string;
    readonly clientName?: string;
    grantTypeAllowed(grant: string): boolean;
    compareClientSecret(actual: string): boolean | Promise<boolean>;
  }

  /** A token or grant model instance: loosely typed, as the provider's own models are plain objects. */
  export interface Model {
    jti: string;
    kind: string;
    [key: string]: any;
    save(): Promise<string>;
    readonly expiration: number;
  }

  export interface ModelClass {
    new (payload: Record<string, unknown>): Model;
    readonly prototype: Model;
    readonly IN_PAYLOAD: readonly string[];
    find(id: string, options?: { ignoreExpiration?: boolean }): Promise<Model | undefined>;
  }

  export interface InteractionDetails {
    readonly uid: string;
    readonly prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    readonly params: Record<string, unknown> & { client_id: string; scope?: string };
    readonly session?: { accountId: string };
  }

  /** The Koa context of a request, as a grant handler sees it. */
  export interface KoaContextWithOIDC {
    readonly oidc: { readonly params: Record<string, string | undefined>; readonly client: Client; readonly provider: Provider; entity(kind: string, value: unknown): void };
    readonly ip: string;
    body: unknown;
  }

  export class OIDCProviderError extends Error {
    readonly error: string;
    readonly status: number;
    error_description?: string;
  }

  export const errors: {
    readonly InvalidGrant: new (description?: string, detail?: string) => OIDCProviderError;
    readonly InvalidRequest: new (description?: string, code?: number) => OIDCProviderError;
    readonly InvalidScope: new (description?: string, scope?: string) => OIDCProviderError;
    readonly UnauthorizedClient: new (description?: string) => OIDCProviderError;
  };

  export const interactionPolicy: {
    base(): { remove(name: string): void; get(name: string): unknown } & unknown[];
  };

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly issuer: string;
    proxy: boolean;
    readonly Client: { prototype: Client; find(id: string): Promise<Client | undefined> };
    readonly Grant: ModelClass;
    readonly AccessToken: ModelClass;
    readonly RefreshToken: ModelClass;
    readonly ResourceServer: new (identifier: string, info: Record<string, unknown>) => unknown;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    registerGrantType(name: string, handler: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>, params?: string[] | Set<string>): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
    on(event: string, listener: (...args: any[]) => void): this;
  }
}
