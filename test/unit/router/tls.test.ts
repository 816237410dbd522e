import { createPrivateKey } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../../services/core/types.js';
import {
  certificateChanges,
  certificateVersion,
  challengeChanges,
  checkFallback,
  desiredCertificates,
  desiredChallenges,
  isKeyAuthorization,
} from '../../../services/router/tls.js';
import { TestCa } from '../../support/tls.js';

// The router's HTTPS decisions: which certificate each name of the served
// apps gets, the smallest change from what nginx holds, the challenges, and
// the fallback's check (against certificates openssl makes).

const now = new Date('2026-06-01T00:00:00Z');

function cert(app: string, domains: string[], over: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    app,
    source: 'upload',
    domains,
    chainPem: `-----BEGIN CERTIFICATE-----\n${app} ${domains.join(' ')}\n-----END CERTIFICATE-----\n`,
    keyPem: `-----BEGIN PRIVATE KEY-----\n${app}\n-----END PRIVATE KEY-----\n`,
    issuer: 'Test',
    subject: `CN=${domains[0]}`,
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    sha256Fingerprint: 'AA',
    serial: '01',
    selfSigned: false,
    updatedAt: '',
    ...over,
  };
}

describe('desiredCertificates', () => {
  it("maps each of an app's hostnames its certificate covers to it: the default name and custom domains", () => {
    const shop = cert('shop', ['shop.example.com', 'www.shop.example.com']);
    const all = cert('all', ['*.apps.test']);
    const d = desiredCertificates(
      [
        { app: 'shop', domains: ['shop.example.com', 'www.shop.example.com', 'other.example.com'] },
        { app: 'all', domains: [] },
        { app: 'none', domains: ['none.example.com'] },
      ],
      new Map([
        ['shop', shop],
        ['all', all],
      ]),
      'apps.test',
      now,
    );
    const v = certificateVersion(shop);
    expect([...d.names]).toEqual([
      ['shop.example.com', v],
      ['www.shop.example.com', v],
      ['all.apps.test', certificateVersion(all)],
    ]);
    expect([...d.certs.keys()].sort()).toEqual([v, certificateVersion(all)].sort());
    expect(d.certs.get(v)).toEqual({ chainPem: shop.chainPem, keyPem: shop.keyPem });
    expect(d.unused).toEqual([]);
    expect(d.expired).toEqual([]);
  });

  it('names never a wildcard: a wildcard certificate serves only the names of its app', () => {
    const d = desiredCertificates(
      [
        { app: 'blog', domains: ['x.b.example.com'] },
        { app: 'other', domains: ['y.b.example.com'] },
      ],
      new Map([['blog', cert('blog', ['*.b.example.com'])]]),
      'apps.test',
      now,
    );
    expect([...d.names.keys()]).toEqual(['x.b.example.com']);
  });

  it('stores a certificate two apps share once', () => {
    const a = cert('a', ['*.example.com']);
    const b = { ...cert('b', ['*.example.com']), chainPem: a.chainPem, keyPem: a.keyPem };
    const d = desiredCertificates(
      [
        { app: 'a', domains: ['a.example.com'] },
        { app: 'b', domains: ['b.example.com'] },
      ],
      new Map([
        ['a', a],
        ['b', b],
      ]),
      'apps.test',
      now,
    );
    expect(d.certs.size).toBe(1);
    expect(d.names.size).toBe(2);
  });

  it('tells which records serve nothing, and which certificates in use expired (still served)', () => {
    const d = desiredCertificates(
      [
        { app: 'off', domains: ['off.example.com'] },
        { app: 'junk', domains: [] },
        { app: 'old', domains: ['old.example.com'] },
      ],
      new Map<string, unknown>([
        ['off', cert('off', ['elsewhere.example.com'])],
        ['junk', { app: 'junk', chainPem: 42 }],
        ['old', cert('old', ['old.example.com'], { notAfter: '2026-05-31T23:59:59.000Z' })],
        ['gone', cert('gone', ['gone.example.com'])], // no route: nothing
      ]),
      'apps.test',
      now,
    );
    expect(d.unused).toEqual([
      { app: 'off', reason: "covers none of the app's hostnames (elsewhere.example.com)" },
      { app: 'junk', reason: expect.stringContaining('not a certificate record') },
    ]);
    expect(d.expired).toEqual([{ app: 'old', version: expect.any(String), notAfter: '2026-05-31T23:59:59.000Z' }]);
    expect([...d.names.keys()]).toEqual(['old.example.com']);
  });

  it('versions a certificate by its chain and key: another chain of the same leaf is another version', () => {
    const a = cert('a', ['a.example.com']);
    expect(certificateVersion(a)).toMatch(/^[0-9a-f]{32}$/);
    expect(certificateVersion({ ...a })).toBe(certificateVersion(a));
    expect(certificateVersion({ ...a, chainPem: `${a.chainPem}${a.chainPem}` })).not.toBe(certificateVersion(a));
    expect(certificateVersion({ ...a, keyPem: 'other' })).not.toBe(certificateVersion(a));
  });
});

describe('certificateChanges', () => {
  const pem = { chainPem: 'c', keyPem: 'k' };

  it('adds the new certificates, points the names, unnames the gone names, drops the unused certificates', () => {
    const changes = certificateChanges(
      {
        certs: new Map([
          ['v2', pem],
          ['v3', pem],
        ]),
        names: new Map([
          ['a.example.com', 'v2'],
          ['b.example.com', 'v3'],
          ['c.example.com', 'v3'],
        ]),
      },
      new Set(['v1', 'v3']),
      new Map([
        ['a.example.com', 'v1'],
        ['b.example.com', 'v3'],
        ['gone.example.com', 'v1'],
      ]),
    );
    expect(changes).toEqual({
      add: [{ version: 'v2', cert: pem }],
      name: [
        { host: 'a.example.com', version: 'v2' },
        { host: 'c.example.com', version: 'v3' },
      ],
      unname: ['gone.example.com'],
      drop: ['v1'],
    });
  });

  it('changes nothing when nginx holds what is desired', () => {
    const desired = { certs: new Map([['v1', pem]]), names: new Map([['a.example.com', 'v1']]) };
    expect(certificateChanges(desired, new Set(['v1']), new Map([['a.example.com', 'v1']]))).toEqual({
      add: [],
      name: [],
      unname: [],
      drop: [],
    });
  });
});

describe('ACME challenges', () => {
  const token = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';
  const ka = `${token}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;

  it('accepts <token>.<thumbprint> only', () => {
    expect(isKeyAuthorization(token, ka)).toBe(true);
    for (const bad of [`${token}.`, `${token}x.abc`, `${token}.a b`, `${token}.a\nb`, 42, undefined, `${token}.a.b`])
      expect(isKeyAuthorization(token, bad)).toBe(false);
    expect(isKeyAuthorization('bad token', 'bad token.abc')).toBe(false);
    expect(isKeyAuthorization('a'.repeat(129), `${'a'.repeat(129)}.abc`)).toBe(false);
  });

  it('desires the valid challenges, names the others, and diffs against what nginx answers', () => {
    const { challenges, invalid } = desiredChallenges(
      new Map<string, unknown>([
        [token, { token, keyAuthorization: ka }],
        ['other', { token: 'other', keyAuthorization: 'nope' }],
        ['null', null],
      ]),
    );
    expect([...challenges]).toEqual([[token, ka]]);
    expect(invalid).toEqual(['null', 'other']);
    expect(
      challengeChanges(
        challenges,
        new Map([
          [token, 'stale'],
          ['old', 'old.x'],
        ]),
      ),
    ).toEqual({ set: [{ token, keyAuthorization: ka }], remove: ['old'] });
    expect(challengeChanges(challenges, new Map([[token, ka]]))).toEqual({ set: [], remove: [] });
  });
});

describe('checkFallback', () => {
  const ca = TestCa.create('fallback');
  afterAll(() => ca.remove());
  const wildcard = ca.issue('wild', ['*.apps.test', 'apps.test']);
  const other = ca.issue('other', ['other.test']);

  it('reads a certificate and its key: the fingerprint, the names, the end', () => {
    const fb = checkFallback(wildcard.crt, wildcard.key);
    expect(fb.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(fb.domains).toEqual(['*.apps.test', 'apps.test']);
    expect(Date.parse(fb.notAfter)).toBeGreaterThan(Date.now());
    // a chain: the leaf is the first
    expect(checkFallback(wildcard.crt + ca.ca, wildcard.key).fingerprint).toBe(fb.fingerprint);
  });

  it('says why it cannot be served: no certificate, no key, an encrypted key, a key not its own', () => {
    expect(() => checkFallback('', wildcard.key)).toThrow(/no PEM certificate/);
    expect(() => checkFallback(wildcard.crt, 'junk')).toThrow(/no PEM private key/);
    expect(() => checkFallback(wildcard.crt, other.key)).toThrow(/not the certificate's/);
    const encrypted = createPrivateKey(wildcard.key).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'secret',
    }) as string;
    expect(() => checkFallback(wildcard.crt, encrypted)).toThrow(/encrypted/);
  });
});
