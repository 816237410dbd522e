import { invalid, notFound } from '../../core/errors.js';
import { parsePublicKey } from '../../core/sshkeys.js';
import type { SshKey, User } from '../../core/types.js';
import type { KeyView } from '../../core/api.js';
import type { Repo } from '../repo.js';

// SSH public keys of an account. A key belongs to one user across the whole
// platform: the builder finds the pusher by the key's fingerprint.

export function keyRecord(user: User, publicKey: unknown, now = new Date()): SshKey {
  if (typeof publicKey !== 'string' || publicKey.trim() === '') throw invalid('public_key is required');
  if (publicKey.length > 16 * 1024) throw invalid('public_key is too long');
  const k = parsePublicKey(publicKey);
  return {
    fingerprint: k.fingerprint,
    user: user.id,
    publicKey: k.comment ? `${k.canonical} ${k.comment}` : k.canonical,
    createdAt: now.toISOString(),
  };
}

/** A key as the API shows it; pure. */
export function keyView(key: SshKey): KeyView {
  let comment = '';
  try {
    comment = parsePublicKey(key.publicKey).comment;
  } catch {
    // stored keys were parsed on the way in; an unreadable one just has no comment
  }
  return {
    id: key.fingerprint,
    fingerprint: key.fingerprint,
    public_key: key.publicKey,
    comment,
    created_at: key.createdAt,
  };
}

export async function addKey(repo: Repo, user: User, publicKey: unknown): Promise<KeyView> {
  return keyView(await repo.addSshKey(keyRecord(user, publicKey)));
}

/** Removes one of the user's own keys by fingerprint; anyone else's (or none) is 404. */
export async function removeKey(repo: Repo, user: User, fingerprint: string): Promise<KeyView> {
  const removed = fingerprint.length <= 200 ? await repo.removeSshKey(fingerprint, user.id) : undefined;
  if (!removed) throw notFound(`Couldn't find that SSH key.`);
  return keyView(removed);
}

export async function listKeys(repo: Repo, user: User): Promise<KeyView[]> {
  return (await repo.listSshKeys(user.id)).map(keyView);
}
