/**
 * Access tokens of the management API: JWTs signed with the primary key (RS256), or with a random
 * per-process HMAC key (HS256) when there is no key store. A signature is not enough: the token id must
 * also be in the store, which holds at most `size` tokens (as Micro Integrator's JWTInMemoryTokenStore).
 * Logging out, deleting the user or the store overflowing removes the id, and the token stops working at
 * once even though its signature and expiry are still fine. Tokens die with the process.
 */
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { Errors, MiError } from '../errors.js';

export interface TokenHolder {
  readonly user: string;
  readonly isAdmin: boolean;
}

interface Issued extends TokenHolder {
  readonly expiresAt: number;
}

export interface TokenOptions {
  /** RS256 with this key pair; undefined = HS256 with an ephemeral secret. */
  readonly keyPair?: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
  readonly expirySeconds: number;
  readonly storeSize: number;
  /** When full: drop the least recently used token (true) or refuse the login (false). */
  readonly removeOldest: boolean;
}

const ISSUER = 'mi-management-api';

export class TokenService {
  /** Token id -> holder, least recently used first (a Map keeps insertion order). */
  private readonly store = new Map<string, Issued>();
  private readonly signKey: KeyObject | Uint8Array;
  private readonly verifyKey: KeyObject | Uint8Array;
  private readonly alg: 'RS256' | 'HS256';

  constructor(private readonly opts: TokenOptions) {
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
    this.dropExpired(now);
    if (this.store.size >= this.opts.storeSize) {
      if (!this.opts.removeOldest) {
        throw new MiError(Errors.MGT_TOKEN_STORE_FULL, `the token store holds ${this.opts.storeSize} tokens already (max_size); log out unused sessions or wait for them to expire`);
      }
      this.store.delete(this.store.keys().next().value!);
    }
    const id = randomUUID();
    const iat = Math.floor(now / 1000);
    const exp = iat + this.opts.expirySeconds;
    const jwt = await new SignJWT({ admin: holder.isAdmin })
      .setProtectedHeader({ alg: this.alg, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(holder.user)
      .setJti(id)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.signKey);
    this.store.set(id, { user: holder.user, isAdmin: holder.isAdmin, expiresAt: exp * 1000 });
    return jwt;
  }

  /** The holder of a valid, stored token, or undefined (bad signature, expired, revoked, evicted). */
  async verify(token: string, now = Date.now()): Promise<(TokenHolder & { id: string }) | undefined> {
    let id: string | undefined;
    try {
      const { payload } = await jwtVerify(token, this.verifyKey, { algorithms: [this.alg], issuer: ISSUER, currentDate: new Date(now) });
      id = payload.jti;
    } catch {
      return undefined;
    }
    const held = id === undefined ? undefined : this.store.get(id);
    if (!held || held.expiresAt <= now) return undefined;
    // least recently used goes first on overflow: move this one to the end
    this.store.delete(id!);
    this.store.set(id!, held);
    return { id: id!, user: held.user, isAdmin: held.isAdmin };
  }

  /** Logout: the token stops working now. */
  revoke(id: string): boolean {
    return this.store.delete(id);
  }

  /** Every token of a user (deleted user, changed roles). */
  revokeUser(name: string): void {
    const key = name.toLowerCase();
    for (const [id, t] of this.store) if (t.user.toLowerCase() === key) this.store.delete(id);
  }

  get size(): number {
    return this.store.size;
  }

  private dropExpired(now: number): void {
    for (const [id, t] of this.store) if (t.expiresAt <= now) this.store.delete(id);
  }
}
