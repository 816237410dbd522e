import { createHash } from 'node:crypto';
import { invalid } from './errors.js';

// OpenSSH public keys: parsing of an authorized_keys-style line and the
// SHA256 fingerprint ssh-keygen -l prints. Used by the controller (keys:add)
// and the builder (the key a pusher authenticated with).

export const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;

export interface ParsedKey {
  type: string;
  blob: Buffer;
  comment: string;
  fingerprint: string;
  /** "type base64" with no comment: the canonical form stored and compared. */
  canonical: string;
}

export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The key type named inside the blob itself (its first SSH string). */
function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n <= 0 || n > 64 || 4 + n > blob.length) return undefined;
  return blob.subarray(4, 4 + n).toString('latin1');
}

export function parsePublicKey(text: string): ParsedKey {
  const line = text.trim();
  if (line.includes('\n')) throw invalid('Expected one public key, got several lines');
  const m = /^(\S+)\s+([A-Za-z0-9+/]+={0,3})(?:\s+(.*))?$/.exec(line);
  if (!m) throw invalid('Not an OpenSSH public key (expected "ssh-ed25519 AAAA... comment")');
  const type = m[1] as string;
  if (!(KEY_TYPES as readonly string[]).includes(type))
    throw invalid(`Unsupported key type ${JSON.stringify(type.slice(0, 40))}`);
  const blob = Buffer.from(m[2] as string, 'base64');
  if (blobType(blob) !== type) throw invalid('The key data does not match its type; is the key truncated?');
  return {
    type,
    blob,
    comment: (m[3] ?? '').trim(),
    fingerprint: fingerprint(blob),
    canonical: `${type} ${blob.toString('base64')}`,
  };
}
