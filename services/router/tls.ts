import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { certificateCovers } from '../core/certs.js';
import type { AcmeChallenge, CertificateRecord } from '../core/types.js';
import type { Site } from './sites.js';

// Pure decisions of the router's HTTPS (issue 17): which certificate nginx
// serves for each hostname of the apps it serves, which ACME challenges it
// answers, the smallest change from what it holds, and whether the fallback
// certificate's files can be served at all.
//
// nginx holds a certificate once however many names it serves (`paas_certs`:
// version -> PEM chain and key) and each name's choice apart (`paas_sni`:
// hostname -> version), so an app's certificate for five names is pushed,
// converted and stored once, and a renewal moves every name in one batch.

/** A certificate as pushed to nginx: the leaf then its intermediates, and the key, PEM. */
export interface CertificatePem {
  chainPem: string;
  keyPem: string;
}

export interface DesiredCertificates {
  /** version -> the certificate: each once, whatever number of names it serves. */
  certs: Map<string, CertificatePem>;
  /** hostname -> the version of its certificate. */
  names: Map<string, string>;
  /** Records that serve no name: not a certificate record, or covering none of the app's hostnames. */
  unused: Array<{ app: string; reason: string }>;
  /** Certificates in use past their notAfter: still served (a client decides), logged once by the router. */
  expired: Array<{ app: string; version: string; notAfter: string }>;
}

// The version of a record's certificate, computed once per record object: the
// router's copy of etcd keeps a record's object until the record changes, so
// a pass over 10,000 certificates hashes only the changed ones.
const versions = new WeakMap<object, string>();

/**
 * What nginx knows a certificate by: the SHA-256 of the chain and key as pushed (128 bits, hex). Not the leaf's
 * fingerprint: the same leaf with another chain of intermediates is another thing to serve.
 */
export function certificateVersion(cert: CertificatePem): string {
  return createHash('sha256').update(cert.chainPem).update('\0').update(cert.keyPem).digest('hex').slice(0, 32);
}

function versionOf(record: CertificateRecord): string {
  let v = versions.get(record);
  if (v === undefined) {
    v = certificateVersion(record);
    versions.set(record, v);
  }
  return v;
}

function isCertificateRecord(r: unknown): r is CertificateRecord {
  const c = r as Partial<CertificateRecord> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.chainPem === 'string' &&
    c.chainPem.includes('-----BEGIN CERTIFICATE-----') &&
    typeof c.keyPem === 'string' &&
    c.keyPem.includes('PRIVATE KEY-----') &&
    Array.isArray(c.domains) &&
    c.domains.every((d) => typeof d === 'string')
  );
}

/**
 * The certificate of each hostname of the served sites (validated: render.ts): `<app>.<domain>` and the app's custom
 * domains, each served by the app's CertificateRecord (`records`: app -> record, as stored) when that covers it
 * (core/certs.ts certificateCovers); a name it does not cover gets the fallback. Names are never wildcards: a
 * wildcard certificate serves only the names of its own app.
 */
export function desiredCertificates(
  sites: readonly Site[],
  records: ReadonlyMap<string, unknown>,
  domain: string,
  now: Date,
): DesiredCertificates {
  const out: DesiredCertificates = { certs: new Map(), names: new Map(), unused: [], expired: [] };
  for (const site of sites) {
    const record = records.get(site.app);
    if (record === undefined) continue;
    if (!isCertificateRecord(record)) {
      out.unused.push({ app: site.app, reason: 'not a certificate record (no chainPem, keyPem or domains)' });
      continue;
    }
    const hosts = [`${site.app}.${domain}`, ...(site.domains ?? [])].filter((h) =>
      certificateCovers(record.domains, h),
    );
    if (hosts.length === 0) {
      out.unused.push({ app: site.app, reason: `covers none of the app's hostnames (${record.domains.join(' ')})` });
      continue;
    }
    const version = versionOf(record);
    out.certs.set(version, { chainPem: record.chainPem, keyPem: record.keyPem });
    for (const h of hosts) out.names.set(h, version);
    const end = Date.parse(record.notAfter);
    if (end < now.getTime()) out.expired.push({ app: site.app, version, notAfter: record.notAfter });
  }
  return out;
}

export interface CertificateChanges {
  /** Certificates to store, before the names that use them. */
  add: Array<{ version: string; cert: CertificatePem }>;
  /** Names to point at a certificate nginx holds once `add` is through. */
  name: Array<{ host: string; version: string }>;
  /** Names that go back to the fallback. */
  unname: string[];
  /** Certificates no name uses any more, once `name` and `unname` are through. */
  drop: string[];
}

/** The control calls that turn what nginx holds (`certs`: versions; `names`: hostname -> version) into `desired`. */
export function certificateChanges(
  desired: Pick<DesiredCertificates, 'certs' | 'names'>,
  certs: ReadonlySet<string>,
  names: ReadonlyMap<string, string>,
): CertificateChanges {
  const add = [...desired.certs]
    .filter(([version]) => !certs.has(version))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([version, cert]) => ({ version, cert }));
  const name = [...desired.names]
    .filter(([host, version]) => names.get(host) !== version)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([host, version]) => ({ host, version }));
  const unname = [...names.keys()].filter((h) => !desired.names.has(h)).sort();
  const drop = [...certs].filter((v) => !desired.certs.has(v)).sort();
  return { add, name, unname, drop };
}

/** An ACME token: base64url (RFC 8555 §8.3: at least 128 bits of it; at most this many characters here). */
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
const THUMBPRINT = /^[A-Za-z0-9_-]{1,128}$/;

/** Whether `keyAuthorization` is `<token>.<base64url thumbprint>`, as RFC 8555 §8.1 builds it. */
export function isKeyAuthorization(token: string, keyAuthorization: unknown): keyAuthorization is string {
  return (
    TOKEN.test(token) &&
    typeof keyAuthorization === 'string' &&
    keyAuthorization.startsWith(`${token}.`) &&
    THUMBPRINT.test(keyAuthorization.slice(token.length + 1))
  );
}

/** The open challenges, token -> keyAuthorization (`records`: token -> AcmeChallenge as stored), and the invalid. */
export function desiredChallenges(records: ReadonlyMap<string, unknown>): {
  challenges: Map<string, string>;
  invalid: string[];
} {
  const challenges = new Map<string, string>();
  const invalid: string[] = [];
  for (const [token, r] of records) {
    const ka = (r as Partial<AcmeChallenge> | null)?.keyAuthorization;
    if (isKeyAuthorization(token, ka)) challenges.set(token, ka);
    else invalid.push(token.slice(0, 140));
  }
  return { challenges, invalid: invalid.sort() };
}

/** The control calls that turn the challenges nginx answers (`current`) into `desired`. */
export function challengeChanges(
  desired: ReadonlyMap<string, string>,
  current: ReadonlyMap<string, string>,
): { set: Array<{ token: string; keyAuthorization: string }>; remove: string[] } {
  const set = [...desired]
    .filter(([token, ka]) => current.get(token) !== ka)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([token, keyAuthorization]) => ({ token, keyAuthorization }));
  const remove = [...current.keys()].filter((t) => !desired.has(t)).sort();
  return { set, remove };
}

/** The fallback certificate as read: what the config names so that a new one reloads nginx. */
export interface Fallback {
  /** SHA-256 of the leaf, colon hex. */
  fingerprint: string;
  notAfter: string;
  domains: string[];
}

/**
 * Whether the fallback certificate and key (the files' text) can be served: a certificate, an unencrypted key, and
 * the key the certificate's. Throws an Error saying why not, since a config naming files nginx cannot load fails
 * `nginx -t` and would keep HTTP from starting too.
 */
export function checkFallback(certPem: string, keyPem: string): Fallback {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new Error('the certificate file holds no PEM certificate');
  }
  // Node cannot be told "no passphrase" (an encrypted key fails as "interrupted or cancelled"): told by its PEM.
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:.*ENCRYPTED/.test(keyPem))
    throw new Error('the key is encrypted with a passphrase (nginx would ask for it at each start)');
  let publicKey: Buffer;
  try {
    publicKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  } catch {
    throw new Error('the key file holds no PEM private key');
  }
  if (!publicKey.equals(cert.publicKey.export({ type: 'spki', format: 'der' })))
    throw new Error("the key is not the certificate's");
  const san = cert.subjectAltName ?? '';
  const domains = [...san.matchAll(/DNS:([^,\s]+)/g)].map((m) => m[1] as string);
  return { fingerprint: cert.fingerprint256, notAfter: new Date(cert.validTo).toISOString(), domains };
}
