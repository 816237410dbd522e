import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// The dashboard's session: what its cookie (paas_session) carries, sealed
// with AES-256-GCM so that the browser can neither read nor change it. The
// session's API token (minted at login, revoked at logout) never reaches the
// page's scripts: the cookie is HttpOnly and the page only ever sees the
// CSRF token, through GET /session. Sealing and opening are pure but for
// the IV's randomness; anything not sealed by this key, changed, cut,
// expired or of another shape opens to no session.

export interface Session {
  /** The API token minted for this session (POST /account/tokens). */
  token: string;
  /** Its id, for DELETE /account/tokens/<id> at logout. */
  tokenId: string;
  email: string;
  admin: boolean;
  /** What the page sends back as X-CSRF-Token on every change. */
  csrf: string;
  /** When the session ends (epoch ms): the token's own end at the latest. */
  expiresAt: number;
}

/** What a sealed cookie starts with: a new format gets a new one, and old cookies open to nothing. */
const VERSION = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bound to the cookie's purpose: a ciphertext of the same key made for something else does not open. */
const AAD = Buffer.from('paas_session v1');
/** A cookie longer than this is not looked at (a browser keeps 4 KB). */
const MAX_SEALED = 4096;

/** A new CSRF token: 32 random bytes, base64url. */
export function newCsrf(): string {
  return randomBytes(32).toString('base64url');
}

/** The cookie value carrying `s`, sealed with `key` (32 bytes). */
export function sealSession(s: Session, key: Buffer, iv: Buffer = randomBytes(IV_BYTES)): string {
  const plain = JSON.stringify({ t: s.token, i: s.tokenId, e: s.email, a: s.admin, c: s.csrf, x: s.expiresAt });
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return VERSION + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The session a cookie value carries, or undefined: not ours (key, version, tampered, malformed) or ended at `now`. */
export function openSession(value: string | undefined, key: Buffer, now: number): Session | undefined {
  if (typeof value !== 'string' || !value.startsWith(VERSION) || value.length > MAX_SEALED) return undefined;
  const b64 = value.slice(VERSION.length);
  if (!/^[A-Za-z0-9_-]+$/.test(b64)) return undefined;
  const raw = Buffer.from(b64, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES + 2) return undefined;
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined; // another key, or changed
  }
  const s = parsed(plain);
  return s && s.expiresAt > now ? s : undefined;
}

function parsed(plain: string): Session | undefined {
  let v: unknown;
  try {
    v = JSON.parse(plain);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const text = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 1024;
  if (!text(o.t) || !text(o.i) || !text(o.e) || !text(o.c) || typeof o.a !== 'boolean') return undefined;
  if (typeof o.x !== 'number' || !Number.isSafeInteger(o.x)) return undefined;
  return { token: o.t, tokenId: o.i, email: o.e, admin: o.a, csrf: o.c, expiresAt: o.x };
}
