import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { unauthorized } from '../core/errors.js';
import type { User } from '../core/types.js';
import { tokenExpired, type Repo } from './repo.js';

// API tokens: 32 random bytes, base64url; only their sha256 is stored
// (keys.token(hash)). The internal token is compared in constant time.

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token of an "Authorization: Bearer <token>" header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

export function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/** The email and password of an "Authorization: Basic base64(email:password)" header; undefined when it is not one. */
export function basicCredentials(header: string | undefined): { email: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (!m) return undefined;
  const text = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = text.indexOf(':'); // the email has none; the password may
  if (colon <= 0) return undefined;
  return { email: text.slice(0, colon), password: text.slice(colon + 1) };
}

export const INVALID_CREDENTIALS = 'Invalid credentials provided.';
export const TOKEN_EXPIRED = 'Token expired. Run `paas login` again.';

/** The user the request's bearer token belongs to; 401 when there is none, it is unknown or it has expired. */
export async function authenticateUser(repo: Repo, header: string | undefined, now = Date.now()): Promise<User> {
  const token = bearerToken(header);
  if (!token) throw unauthorized('Missing API token. Run `paas login` first.');
  const owner = await repo.tokenOwner(hashToken(token));
  if (!owner) throw unauthorized(INVALID_CREDENTIALS);
  if (tokenExpired(owner.record, now)) throw unauthorized(TOKEN_EXPIRED);
  return owner.user;
}

/** Accepts only the internal token; users' tokens are refused here. */
export function authenticateInternal(internalToken: string, header: string | undefined): void {
  const token = bearerToken(header);
  if (!token || !sameSecret(token, internalToken)) throw unauthorized('Invalid internal token.');
}
