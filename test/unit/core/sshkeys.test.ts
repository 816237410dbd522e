import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePublicKey } from '../../../services/core/sshkeys.js';

describe('parsePublicKey', () => {
  it('gives the fingerprint ssh-keygen gives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'me@host', '-f', join(dir, 'k')]);
    const pub = readFileSync(join(dir, 'k.pub'), 'utf8');
    const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')], {
      encoding: 'utf8',
    }).split(' ')[1];
    const k = parsePublicKey(pub);
    expect(k.fingerprint).toBe(expected);
    expect(k.type).toBe('ssh-ed25519');
    expect(k.comment).toBe('me@host');
  });
  it('refuses what is not a key', () => {
    expect(() => parsePublicKey('hello')).toThrow(/Not an OpenSSH public key/);
    expect(() => parsePublicKey('ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIG')).toThrow();
    expect(() => parsePublicKey('ssh-dss AAAA')).toThrow(/Unsupported/);
  });
});
