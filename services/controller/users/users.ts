import { randomUUID } from 'node:crypto';
import { invalid } from '../../core/errors.js';
import type { UserRef } from '../../core/api.js';
import type { User } from '../../core/types.js';
import { createToken, mintedToken } from '../tokens/tokens.js';
import type { Repo } from '../repo.js';

// Users and their API tokens.

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** A trimmed, lower-cased email address, or 422. */
export function normaliseEmail(email: unknown): string {
  if (typeof email !== 'string') throw invalid('email is required');
  const e = email.trim().toLowerCase();
  if (e.length > 254 || !EMAIL.test(e)) throw invalid(`Not an email address: ${JSON.stringify(email.slice(0, 100))}`);
  return e;
}

export function parseAdminFlag(admin: unknown): boolean {
  if (admin === undefined) return false;
  if (typeof admin !== 'boolean') throw invalid('admin must be true or false');
  return admin;
}

/** A user named in a view: its email, null when the user is gone. */
export function userRef(id: string, user: User | undefined): UserRef {
  return { id, email: user?.email ?? null };
}

export function accountView(user: User): { id: string; email: string; admin: boolean } {
  return { id: user.id, email: user.email, admin: user.admin };
}

export interface NewUser {
  user: User;
  /** The only time the token is seen: only its hash is stored. */
  token: string;
}

export async function createUser(
  repo: Repo,
  input: { email: string; admin: boolean },
  now = new Date(),
): Promise<NewUser> {
  const user: User = { id: randomUUID(), email: input.email, admin: input.admin, createdAt: now.toISOString() };
  const minted = mintedToken(user.id, 'first token', now);
  await repo.createUser(user, minted);
  return { user, token: minted.token };
}

/**
 * Makes sure an admin with this email exists and returns a new token for it.
 * An existing user who is not an admin is refused rather than promoted.
 */
export async function ensureAdmin(repo: Repo, emailInput: string): Promise<NewUser> {
  const email = normaliseEmail(emailInput);
  const existing = await repo.userByEmail(email);
  if (!existing) return createUser(repo, { email, admin: true });
  if (!existing.admin) throw invalid(`${email} exists and is not an admin`);
  return { user: existing, token: (await createToken(repo, existing, 'ensure-admin')).token };
}
