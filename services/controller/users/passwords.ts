import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { invalid } from '../../core/errors.js';

// Passwords: scrypt (node:crypto) with a random 16-byte salt, the cost
// parameters stored with the hash (/passwords/<user>, core/types.ts
// PasswordRecord) so that they can be raised later without breaking old
// records. Only hashing and checking live here; the routes are in
// users/routes.ts and tokens/login.ts.

export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 1024;

/** scrypt's cost: N = 2^15, r = 8, p = 1 (about 32 MiB and some 50-100 ms a check on one core). */
export const SCRYPT_COST = { n: 2 ** 15, r: 8, p: 1 } as const;
/**
 * A user's password under /passwords/<user>: scrypt (node:crypto) of the password with a random salt, the cost
 * parameters kept with it so they can be raised later. Only the controller reads it.
 */
export interface PasswordRecord {
  algorithm: 'scrypt';
  /** scrypt's cost N, block size r, parallelism p. */
  n: number;
  r: number;
  p: number;
  /** base64 */
  salt: string;
  /** base64 of the derived key. */
  hash: string;
  updatedAt: string;
}

const KEY_BYTES = 32;
const SALT_BYTES = 16;

/** A password as given: a string of 10 to 1024 characters without control characters; 422 naming `field` otherwise. */
export function parsePassword(raw: unknown, field = 'password'): string {
  if (typeof raw !== 'string') throw invalid(`${field} is required (a string)`);
  // length in code points, so an emoji counts once
  const length = [...raw].length;
  if (length < MIN_PASSWORD || length > MAX_PASSWORD)
    throw invalid(`${field} must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters long`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(raw)) throw invalid(`${field} must not contain control characters`);
  return raw;
}

function derive(password: string, salt: Buffer, cost: { n: number; r: number; p: number }): Promise<Buffer> {
  // scrypt's default maxmem (32 MiB) is just short of 128 * N * r for N = 2^15.
  const options: ScryptOptions = { N: cost.n, r: cost.r, p: cost.p, maxmem: 256 * cost.n * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The record to store for a new password. */
export async function hashPassword(
  password: string,
  { cost = SCRYPT_COST, now = new Date() }: { cost?: { n: number; r: number; p: number }; now?: Date } = {},
): Promise<PasswordRecord> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return {
    algorithm: 'scrypt',
    ...cost,
    salt: salt.toString('base64'),
    hash: key.toString('base64'),
    updatedAt: now.toISOString(),
  };
}

/** Whether the password is the one of the record, compared in constant time; false for a record it cannot read. */
export async function verifyPassword(record: PasswordRecord, password: string): Promise<boolean> {
  if (record.algorithm !== 'scrypt') return false;
  const expected = Buffer.from(record.hash, 'base64');
  if (expected.length !== KEY_BYTES) return false;
  const key = await derive(password, Buffer.from(record.salt, 'base64'), record);
  return timingSafeEqual(key, expected);
}

let dummy: Promise<PasswordRecord> | undefined;

/**
 * Checks the password against a throw-away record of the same cost, so that a login as an unknown user (or one
 * without a password) takes as long as one with a wrong password. Always false.
 */
export async function verifyDummy(password: string): Promise<false> {
  dummy ??= hashPassword('not anybody’s password');
  await verifyPassword(await dummy, password);
  return false;
}
