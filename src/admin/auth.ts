/**
 * Who is asking: the user whose stored SHA-256 matches the SHA-256 of the bearer token. Every
 * user is compared, in constant time, so the timing tells nothing about which one (if any)
 * matched. With no users configured the API is open; the config allows that on loopback only.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AdminUserSpec } from '../config/model.js';
import type { Access } from './commands.js';

export interface AdminUser {
  readonly name: string;
  readonly access: Access;
}

/** The user of an open API (no users configured). */
export const OPEN_USER: AdminUser = { name: 'anonymous', access: 'full' };

/** Lower-case hex SHA-256 of a token, as `tokenHash: sha256:<hex>` stores it. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token: 32 bytes, base64url (drawn again when it would start with "-", which reads as a flag). */
export function newToken(): string {
  for (;;) {
    const token = randomBytes(32).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}

export type AuthResult = { readonly ok: true; readonly user: AdminUser } | { readonly ok: false; readonly reason: 'missing' | 'invalid' };

export interface Authenticator {
  /** True when no users are configured. */
  readonly open: boolean;
  /** Checks an `Authorization` header value. */
  check(authorization: string | undefined): AuthResult;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;
/** What a user without a token is compared against: no SHA-256 output is known to equal it, and none can be found. */
const NO_DIGEST = Buffer.alloc(32, 0);

export function createAuthenticator(users: readonly AdminUserSpec[]): Authenticator {
  const table = users.map((u) => {
    const hex = u.tokenSha256;
    const usable = hex !== undefined && HEX_SHA256.test(hex);
    return { user: { name: u.name, access: u.access } satisfies AdminUser, digest: usable ? Buffer.from(hex, 'hex') : NO_DIGEST, usable };
  });
  const open = users.length === 0;
  return {
    open,
    check(authorization) {
      if (open) return { ok: true, user: OPEN_USER };
      const m = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
      const token = m?.[1];
      if (token === undefined) return { ok: false, reason: 'missing' };
      const digest = createHash('sha256').update(token, 'utf8').digest();
      let found: AdminUser | undefined;
      for (const row of table) {
        // Every row is compared, whether or not one matched already.
        const same = timingSafeEqual(digest, row.digest);
        if (same && row.usable && found === undefined) found = row.user;
      }
      return found === undefined ? { ok: false, reason: 'invalid' } : { ok: true, user: found };
    },
  };
}

/** Whether `user` may run a command that needs `access`. */
export function allowed(user: AdminUser, access: Access): boolean {
  return access === 'readonly' || user.access === 'full';
}
