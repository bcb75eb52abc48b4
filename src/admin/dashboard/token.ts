/**
 * The token check for `?token=` on the event stream, for clients that cannot send an
 * Authorization header (EventSource): the same rule as the admin API's bearer token
 * (src/admin/auth.ts), constant-time against every user; no users configured = open.
 */
import type { AdminSpec } from '../../config/model.js';
import { createAuthenticator, type AdminUser } from '../auth.js';

/** The user a token belongs to (the open user when no users are configured), or undefined. */
export function verifyToken(spec: Pick<AdminSpec, 'users'> | undefined, token: string | undefined): AdminUser | undefined {
  if (spec === undefined) return undefined;
  const auth = createAuthenticator(spec.users);
  if (!auth.open && (token === undefined || token === '')) return undefined;
  const r = auth.check(token === undefined ? undefined : `Bearer ${token}`);
  return r.ok ? r.user : undefined;
}
