/**
 * Access tokens of the management API: JWTs signed with the primary key (RS256), or with a random
 * per-process HMAC key (HS256) when there is no key store. A signature is not enough: the token id must
 * also be in the token store (token-store.ts), bounded as Micro Integrator's JWTInMemoryTokenStore.
 * Logging out, deleting the user or the store overflowing removes the id, and the token stops working at
 * once even though its signature and expiry are still fine. RS256 token ids live in the user store's
 * database, so every node sharing it (and the same key store) accepts them, also after a restart.
 */
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { Errors, MiError } from '../errors.js';
import type { TokenStore } from './token-store.js';

export interface TokenHolder {
  readonly user: string;
  readonly isAdmin: boolean;
}

export interface TokenOptions {
  /** RS256 with this key pair; undefined = HS256 with an ephemeral secret. */
  readonly keyPair?: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
  readonly expirySeconds: number;
  /** Where the ids of live tokens are kept (bounded by max_size there). */
  readonly store: TokenStore;
  /** max_size, for the message when the store is full. */
  readonly storeSize: number;
}

const ISSUER = 'mi-management-api';

export class TokenService {
  private readonly signKey: KeyObject | Uint8Array;
  private readonly verifyKey: KeyObject | Uint8Array;
  private readonly alg: 'RS256' | 'HS256';
  readonly store: TokenStore;

  constructor(private readonly opts: TokenOptions) {
    this.store = opts.store;
    if (opts.keyPair) {
      this.alg = 'RS256';
      this.signKey = opts.keyPair.privateKey;
      this.verifyKey = opts.keyPair.publicKey;
    } else {
      this.alg = 'HS256';
      this.signKey = this.verifyKey = new Uint8Array(randomBytes(32));
    }
  }

  get algorithm(): string {
    return this.alg;
  }

  async issue(holder: TokenHolder, now = Date.now()): Promise<string> {
    const id = randomUUID();
    const iat = Math.floor(now / 1000);
    const exp = iat + this.opts.expirySeconds;
    if (!(await this.store.add(id, { user: holder.user, isAdmin: holder.isAdmin, expiresAt: exp * 1000 }, now))) {
      throw new MiError(Errors.MGT_TOKEN_STORE_FULL, `the token store holds ${this.opts.storeSize} tokens already (max_size); log out unused sessions or wait for them to expire`);
    }
    return new SignJWT({ admin: holder.isAdmin })
      .setProtectedHeader({ alg: this.alg, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(holder.user)
      .setJti(id)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.signKey);
  }

  /**
   * The holder of a valid, stored token, or undefined (bad signature, expired, revoked, evicted). The store
   * is asked only once the signature is good; its outage rejects with MI_OPS_020.
   */
  async verify(token: string, now = Date.now()): Promise<(TokenHolder & { id: string }) | undefined> {
    let id: string | undefined;
    try {
      const { payload } = await jwtVerify(token, this.verifyKey, { algorithms: [this.alg], issuer: ISSUER, currentDate: new Date(now) });
      id = payload.jti;
    } catch {
      return undefined;
    }
    if (id === undefined) return undefined;
    const held = await this.store.use(id, now);
    return held ? { id, user: held.user, isAdmin: held.isAdmin } : undefined;
  }

  /** Logout: the token stops working now (on every node sharing the store). */
  revoke(id: string): Promise<boolean> {
    return this.store.remove(id);
  }

  /** Every token of a user (deleted user). */
  revokeUser(name: string): Promise<void> {
    return this.store.removeUser(name);
  }
}
