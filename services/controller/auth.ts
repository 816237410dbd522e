import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { unauthorized } from '../core/errors.js';
import type { User } from '../core/types.js';
import type { Repo } from './repo.js';

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

/** The user the request's bearer token belongs to; 401 when there is none or it is unknown. */
export async function authenticateUser(repo: Repo, header: string | undefined): Promise<User> {
  const token = bearerToken(header);
  if (!token) throw unauthorized('Missing API token. Run `paas login` first.');
  const user = await repo.userByTokenHash(hashToken(token));
  if (!user) throw unauthorized('Invalid credentials provided.');
  return user;
}

/** Accepts only the internal token; users' tokens are refused here. */
export function authenticateInternal(internalToken: string, header: string | undefined): void {
  const token = bearerToken(header);
  if (!token || !sameSecret(token, internalToken)) throw unauthorized('Invalid internal token.');
}
