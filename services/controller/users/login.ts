import { forbidden, PaasError, TooManyRequests, unauthorized } from '../../core/errors.js';
import type { User } from '../../core/types.js';
import { INVALID_CREDENTIALS } from '../auth.js';
import type { Deps } from '../deps.js';
import { hashPassword, parsePassword, verifyDummy, verifyPassword, type PasswordRecord } from './passwords.js';
import type { LoginLimiter } from './ratelimit.js';
import { normaliseEmail } from './users.js';

// Password logins (POST /account/tokens with Basic credentials) and password
// changes (PUT /account/password). Every failed check counts against the
// email and the remote address (users/ratelimit.ts); one over the limit is
// 429 with Retry-After before any password is checked. An unknown email, a
// user without a password and a wrong password all get the same 401 after
// the same scrypt work.

/** Who is trying: the normalised email (when it is one) and the remote address. */
export interface Attempt {
  email?: string;
  address?: string;
}

function refuseIfLimited(limiter: LoginLimiter, who: Attempt): void {
  const wait = limiter.retryAfterS(who);
  if (wait > 0) throw new TooManyRequests(`Too many failed password attempts; try again in ${wait} seconds.`, wait);
}

/** The email as users are stored by, or undefined when it is not an email address. */
function emailOf(raw: string): string | undefined {
  try {
    return normaliseEmail(raw);
  } catch (err) {
    if (err instanceof PaasError) return undefined;
    throw err;
  }
}

/** The user whose email and password these are; 401 (the same for every reason) or 429. */
export async function passwordLogin(
  deps: Pick<Deps, 'repo' | 'store' | 'logins'>,
  credentials: { email: string; password: string },
  address: string | undefined,
): Promise<User> {
  const email = emailOf(credentials.email);
  const who: Attempt = { ...(email !== undefined && { email }), ...(address !== undefined && { address }) };
  refuseIfLimited(deps.logins, who);
  const user = email === undefined ? undefined : await deps.repo.userByEmail(email);
  const record = user && (await deps.store.get<PasswordRecord>(deps.store.keys.password(user.id)));
  const ok = record ? await verifyPassword(record, credentials.password) : await verifyDummy(credentials.password);
  if (!ok || !user) {
    deps.logins.fail(who);
    throw unauthorized(INVALID_CREDENTIALS);
  }
  deps.logins.succeed(who);
  return user;
}

/** PUT /account/password's body: the new password (validated) and the current one, if given. Pure. */
export function parsePasswordChange(body: Record<string, unknown>): { password: string; current?: string } {
  const password = parsePassword(body.password);
  const current = body.current_password;
  if (current === undefined || current === null) return { password };
  if (typeof current !== 'string') throw new PaasError('invalid_params', 'current_password must be a string');
  return { password, current };
}

export const CURRENT_REQUIRED = 'current_password is required: your account has a password already.';
export const CURRENT_WRONG = 'current_password is not your current password.';

/**
 * Sets the user's password: the current one must be given (and right) when there is one, 403 otherwise (a wrong one
 * counts as a failed login). The write compares what was read, so two changes at once cannot both pass one check.
 */
export async function setPassword(
  deps: Pick<Deps, 'store' | 'logins'>,
  user: User,
  change: { password: string; current?: string },
  address: string | undefined,
): Promise<void> {
  const { store } = deps;
  const key = store.keys.password(user.id);
  const who: Attempt = { email: user.email, ...(address !== undefined && { address }) };
  const cur = await store.getVersioned<PasswordRecord>(key);
  if (cur) {
    if (change.current === undefined) throw forbidden(CURRENT_REQUIRED);
    refuseIfLimited(deps.logins, who);
    if (!(await verifyPassword(cur.value, change.current))) {
      deps.logins.fail(who);
      throw forbidden(CURRENT_WRONG);
    }
    deps.logins.succeed(who);
  }
  const record = await hashPassword(change.password);
  const guard = cur ? { key, modRevision: cur.modRevision } : { key, absent: true as const };
  if (!(await store.commit([guard], [{ put: key, value: record }])))
    throw new PaasError('conflict', 'Your password changed meanwhile; try again');
}
