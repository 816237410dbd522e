import { randomUUID } from 'node:crypto';
import { invalid, notFound } from '../../core/errors.js';
import type { TokenRecord, User, UserTokenRef } from '../../core/types.js';
import { hashToken, newToken } from '../auth.js';
import type { Deps } from '../deps.js';
import { tokenExpired, type Repo } from '../repo.js';
import type { CreatedTokenView, TokenView } from '../../core/api.js';
import { compareStrings } from '../../core/compare.js';

// A user's own API tokens: list, create, revoke. A token is stored only as
// its sha256 (/tokens/<hash> -> TokenRecord, what authentication reads) plus
// the per-user index /user-tokens/<user>/<id> -> {hash}, written and deleted
// together in one transaction. A revoked token is unknown on its next request
// (401). Tokens minted before ids existed have no index entry and are not listed.

export interface MintedToken {
  /** The only time the token is seen. */
  token: string;
  hash: string;
  record: TokenRecord & { id: string };
}

export const MAX_DESCRIPTION = 200;

/** A new random token and the record to store for it (expiring `expiresInS` from now, if given); pure but for the randomness. */
export function mintedToken(userId: string, description: string, now = new Date(), expiresInS?: number): MintedToken {
  const token = newToken();
  return {
    token,
    hash: hashToken(token),
    record: {
      user: userId,
      id: randomUUID(),
      description,
      createdAt: now.toISOString(),
      last4: token.slice(-4),
      ...(expiresInS !== undefined && { expiresAt: new Date(now.getTime() + expiresInS * 1000).toISOString() }),
    },
  };
}

/** The accepted `expires_in` of POST /account/tokens, in seconds: one minute to a year. */
export const EXPIRES_IN_RANGE = { minS: 60, maxS: 31_536_000 } as const;

/** The optional `expires_in` of POST /account/tokens: whole seconds within EXPIRES_IN_RANGE; undefined: never. Pure. */
export function parseExpiresIn(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const { minS, maxS } = EXPIRES_IN_RANGE;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < minS || raw > maxS)
    throw invalid(`expires_in must be a whole number of seconds from ${minS} to ${maxS}, got ${JSON.stringify(raw)}`);
  return raw;
}

/** POST /account/tokens's body: {description?, expires_in?}. Pure. */
export function parseTokenRequest(body: Record<string, unknown>): { description: string; expiresInS?: number } {
  const description = parseDescription(body.description);
  const expiresInS = parseExpiresIn(body.expires_in);
  return { description, ...(expiresInS !== undefined && { expiresInS }) };
}

/** The optional `description` of POST /account/tokens: a string of up to 200 characters, trimmed; '' when absent. */
export function parseDescription(description: unknown): string {
  if (description === undefined || description === null) return '';
  if (typeof description !== 'string') throw invalid('description must be a string');
  const d = description.trim();
  if (d.length > MAX_DESCRIPTION) throw invalid(`description must be at most ${MAX_DESCRIPTION} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(d)) throw invalid('description must not contain control characters');
  return d;
}

export function tokenView(id: string, record: TokenRecord): TokenView {
  return {
    id,
    description: record.description,
    created_at: record.createdAt,
    expires_at: record.expiresAt ?? null,
    ...(record.last4 && { last4: record.last4 }),
  };
}

const TOKEN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The user's tokens, oldest first; those that have expired are deleted (with their index entries) rather than listed:
 * a dashboard login mints a 12 h token, and sessions that never log out would otherwise pile up.
 */
export async function listTokens(deps: Deps, user: User, now = Date.now()): Promise<TokenView[]> {
  const { store } = deps;
  const prefix = store.keys.userTokens(user.id);
  const { entries } = await store.range<UserTokenRef>(prefix);
  const views = await Promise.all(
    entries.map(async ({ key, value: ref, modRevision }) => {
      const id = key.slice(prefix.length);
      const tokenKey = store.keys.token(ref.hash);
      const record = await store.get<TokenRecord>(tokenKey);
      if (!record || record.user !== user.id) return undefined;
      if (tokenExpired(record, now)) {
        await store.commit([{ key, modRevision }], [{ delete: key }, { delete: tokenKey }]); // false: revoked meanwhile
        return undefined;
      }
      return tokenView(id, record);
    }),
  );
  return views
    .filter((v): v is TokenView => v !== undefined)
    .sort((a, b) => compareStrings(a.created_at, b.created_at) || compareStrings(a.id, b.id));
}

/** Mints another token for an existing user; the answer is the only time it is seen. */
export async function createToken(
  repo: Repo,
  user: User,
  description: string,
  expiresInS?: number,
): Promise<CreatedTokenView> {
  const minted = mintedToken(user.id, description, new Date(), expiresInS);
  await repo.addToken(minted.hash, minted.record);
  return { ...tokenView(minted.record.id, minted.record), token: minted.token };
}

/** Deletes one of the user's own tokens and its index entry in one transaction; another user's id is 404. */
export async function revokeToken(deps: Deps, user: User, id: string): Promise<TokenView> {
  const { store } = deps;
  const missing = () => notFound(`Couldn't find that token.`);
  if (!TOKEN_ID.test(id)) throw missing();
  const indexKey = store.keys.userToken(user.id, id);
  const ref = await store.getVersioned<UserTokenRef>(indexKey);
  if (!ref) throw missing();
  const tokenKey = store.keys.token(ref.value.hash);
  const record = await store.get<TokenRecord>(tokenKey);
  if (
    !(await store.commit(
      [{ key: indexKey, modRevision: ref.modRevision }],
      [{ delete: indexKey }, { delete: tokenKey }],
    ))
  )
    throw missing(); // revoked meanwhile by another request
  return tokenView(id, record ?? { user: user.id, description: '', createdAt: '' });
}
