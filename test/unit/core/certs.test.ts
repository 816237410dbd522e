import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MAX_PEM_BYTES,
  certificateCovers,
  coveredDomains,
  parseCertificateUpload,
  renewalDue,
  type CertificateUpload,
} from '../../../services/core/certs.js';
import { PaasError } from '../../../services/core/errors.js';

// Uploaded certificates, checked against real ones: openssl makes a CA, an
// intermediate and leaves (RSA and EC P-256) in a temp dir when this file is
// collected. `openssl ca` sets any start and end date, so the expired and the
// not-yet-valid certificates are real; `now` is a parameter so the tests can
// also move time across a certificate's edges.

const dir = mkdtempSync(join(tmpdir(), 'certs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
const read = (file: string) => readFileSync(join(dir, file), 'utf8');

writeFileSync(
  join(dir, 'ca.cnf'),
  [
    '[req]',
    'distinguished_name = dn',
    '[dn]',
    '[ca]',
    'default_ca = ca_default',
    '[ca_default]',
    'database = index.txt',
    'new_certs_dir = .',
    'serial = serial',
    'default_md = sha256',
    'policy = policy_any',
    'preserve = yes',
    'unique_subject = no',
    'copy_extensions = copy',
    'x509_extensions = ids',
    '[policy_any]',
    'organizationName = optional',
    'commonName = optional',
    '[ids]',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    // No authority key identifier: only the issuer's name ties it to its issuer.
    '[by_name]',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = none',
    // A DNS name with ", DNS:" inside, which Node prints quoted.
    '[trick]',
    'subjectAltName = @alt_trick',
    '[alt_trick]',
    'DNS.1 = trick.example.com',
    'DNS.2 = evil.example.com, DNS:victim.example.com',
    '',
  ].join('\n'),
);
writeFileSync(join(dir, 'index.txt'), '');
writeFileSync(join(dir, 'serial'), '1000\n');

function newKey(name: string, kind: 'rsa' | 'ec'): string {
  const opts =
    kind === 'rsa' ? ['RSA', '-pkeyopt', 'rsa_keygen_bits:2048'] : ['EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  openssl('genpkey', '-algorithm', ...opts, '-out', `${name}.key`);
  return read(`${name}.key`);
}

interface Issue {
  key: 'rsa' | 'ec';
  subject: string;
  ext?: string[];
  /** A section of ca.cnf with more extensions. */
  section?: string;
  /** The section of ca.cnf with the extensions the CA adds (default: ids). */
  caSection?: string;
  /** The CA that signs it; none: self-signed. */
  issuer?: string;
  days?: number;
  /** openssl ca's dates, YYYYMMDDHHMMSSZ. */
  dates?: [string, string];
}

/** A certificate and its key, written as <name>.crt and <name>.key; returns the PEM of both. */
function issue(name: string, o: Issue): { crt: string; key: string } {
  const key = newKey(name, o.key);
  const addext = (o.ext ?? []).flatMap((e) => ['-addext', e]).concat(o.section ? ['-reqexts', o.section] : []);
  openssl(
    'req',
    '-new',
    '-config',
    'ca.cnf',
    '-key',
    `${name}.key`,
    '-subj',
    o.subject,
    ...addext,
    '-out',
    `${name}.csr`,
  );
  const signer = o.issuer
    ? ['-cert', `${o.issuer}.crt`, '-keyfile', `${o.issuer}.key`]
    : ['-selfsign', '-keyfile', `${name}.key`];
  if (o.caSection) signer.push('-extensions', o.caSection);
  const dates = o.dates ? ['-startdate', o.dates[0], '-enddate', o.dates[1]] : ['-days', String(o.days ?? 90)];
  openssl(
    'ca',
    '-batch',
    '-notext',
    '-config',
    'ca.cnf',
    ...signer,
    ...dates,
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.crt`,
  );
  return { crt: read(`${name}.crt`), key };
}

const CA = ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign'];
const SERVER = ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature, keyEncipherment'];

const root = issue('root', { key: 'rsa', subject: '/O=Certs Test/CN=Certs Test Root', ext: CA, days: 3650 });
const inter = issue('inter', {
  key: 'ec',
  subject: '/O=Certs Test/CN=Certs Test Intermediate',
  ext: CA,
  issuer: 'root',
  days: 3650,
});
const leaf = issue('leaf', {
  key: 'rsa',
  subject: '/O=Example Shop/CN=www.example.com',
  ext: [...SERVER, 'subjectAltName = DNS:www.example.com, DNS:Example.COM, IP:192.0.2.7'],
  issuer: 'inter',
});
const wild = issue('wild', {
  key: 'ec',
  subject: '/CN=*.example.org',
  ext: [...SERVER, 'subjectAltName = DNS:*.example.org, DNS:example.org'],
  issuer: 'inter',
});
const legacy = issue('legacy', { key: 'ec', subject: '/O=Legacy Co/CN=Legacy.Example.NET' });
const ipOnly = issue('iponly', {
  key: 'ec',
  subject: '/CN=ip.example.com',
  ext: ['subjectAltName = IP:192.0.2.1'],
});
const self = issue('self', {
  key: 'ec',
  subject: '/CN=self.example.com',
  ext: ['subjectAltName = DNS:self.example.com'],
});
const expired = issue('expired', {
  key: 'ec',
  subject: '/CN=old.example.com',
  ext: ['subjectAltName = DNS:old.example.com'],
  issuer: 'inter',
  dates: ['20200101000000Z', '20200201000000Z'],
});
const future = issue('future', {
  key: 'rsa',
  subject: '/CN=soon.example.com',
  ext: ['subjectAltName = DNS:soon.example.com'],
  issuer: 'inter',
  dates: ['20990101000000Z', '21000101000000Z'],
});
const expiring = issue('expiring', {
  key: 'ec',
  subject: '/CN=brief.example.com',
  ext: ['subjectAltName = DNS:brief.example.com'],
  issuer: 'inter',
  days: 10,
});
// An intermediate long expired, and a current leaf it signed (openssl ca does not mind).
const oldInter = issue('oldinter', {
  key: 'ec',
  subject: '/O=Certs Test/CN=Certs Test Old Intermediate',
  ext: CA,
  issuer: 'root',
  dates: ['20200101000000Z', '20200201000000Z'],
});
const underOld = issue('underold', {
  key: 'ec',
  subject: '/CN=legacy-chain.example.com',
  ext: ['subjectAltName = DNS:legacy-chain.example.com'],
  issuer: 'oldinter',
});
const trick = issue('trick', { key: 'ec', subject: '/CN=trick.example.com', section: 'trick' });
const otherCa = issue('other', { key: 'ec', subject: '/CN=Other Root', ext: CA, days: 3650 });
// The intermediate's name with another key, and a leaf that names its issuer
// by name alone: checkIssued is fooled, the signature is not.
const impostor = issue('impostor', { key: 'ec', subject: '/O=Certs Test/CN=Certs Test Intermediate', ext: CA });
const byName = issue('byname', {
  key: 'ec',
  subject: '/CN=byname.example.com',
  ext: ['subjectAltName = DNS:byname.example.com'],
  issuer: 'inter',
  caSection: 'by_name',
});
const otherKey = newKey('stranger', 'rsa');

openssl('rsa', '-in', 'leaf.key', '-traditional', '-out', 'leaf-pkcs1.key');
openssl('x509', '-in', 'leaf.crt', '-outform', 'der', '-out', 'leaf.der');
openssl('ec', '-in', 'wild.key', '-out', 'wild-sec1.key');
openssl('pkey', '-in', 'leaf.key', '-aes256', '-passout', 'pass:x', '-out', 'leaf-enc.key');
openssl('rsa', '-in', 'leaf.key', '-traditional', '-aes256', '-passout', 'pass:x', '-out', 'leaf-enc-legacy.key');
// What `openssl ecparam -genkey` writes: the curve's parameters, then the key.
const wildSec1 = openssl('ecparam', '-name', 'prime256v1') + read('wild-sec1.key');

const now = new Date();

/** The refusal of an upload: a PaasError, and no result. */
function refused(run: () => CertificateUpload): PaasError {
  let result: CertificateUpload | undefined;
  try {
    result = run();
  } catch (err) {
    expect(result).toBeUndefined();
    expect(err).toBeInstanceOf(PaasError);
    return err as PaasError;
  }
  throw new Error(`accepted: ${JSON.stringify(result?.cert)}`);
}

function opensslSays(file: string): Record<string, string> {
  const out = openssl('x509', '-in', file, '-noout', '-fingerprint', '-sha256', '-serial', '-startdate', '-enddate');
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
}

describe('parseCertificateUpload', () => {
  it('reads an RSA leaf with its EC intermediate as openssl does', () => {
    const up = parseCertificateUpload(leaf.crt + inter.crt, leaf.key, now);
    const o = opensslSays('leaf.crt');
    expect(up.cert).toEqual({
      domains: ['www.example.com', 'example.com'],
      issuer: 'Certs Test Intermediate',
      subject: 'O=Example Shop, CN=www.example.com',
      notBefore: new Date(o.notBefore as string).toISOString(),
      notAfter: new Date(o.notAfter as string).toISOString(),
      sha256Fingerprint: o['sha256 Fingerprint'],
      serial: o.serial,
      selfSigned: false,
    });
    expect(up.chainPem).toBe(leaf.crt + inter.crt);
    expect(up.keyPem).toBe(leaf.key);
    expect(up.warnings).toEqual([]);
  });

  it('accepts a leaf that names its issuer by name alone', () => {
    expect(parseCertificateUpload(byName.crt + inter.crt, byName.key, now).warnings).toEqual([]);
  });

  it('keeps the whole chain up to the root in the order given', () => {
    const up = parseCertificateUpload(leaf.crt + inter.crt + root.crt, leaf.key, now);
    expect(up.chainPem).toBe(leaf.crt + inter.crt + root.crt);
    expect(up.warnings).toEqual([]);
  });

  it('reads an EC wildcard certificate', () => {
    const up = parseCertificateUpload(wild.crt + inter.crt, wild.key, now);
    expect(up.cert.domains).toEqual(['*.example.org', 'example.org']);
    expect(up.cert.subject).toBe('CN=*.example.org');
    expect(up.keyPem).toBe(wild.key);
  });

  it('normalizes the PEM: CRLF, text around the blocks, no final newline', () => {
    const crt = `Bag Attributes\r\n    friendlyName: shop\r\n${leaf.crt}subject=CN = www.example.com\r\n${inter.crt}`;
    const up = parseCertificateUpload(crt.replace(/\n/g, '\r\n').trimEnd(), `  ${leaf.key.trimEnd()}`, now);
    expect(up.chainPem).toBe(leaf.crt + inter.crt);
    expect(up.keyPem).toBe(leaf.key);
  });

  it('reads a PKCS#1 RSA key and a SEC1 EC key after its EC PARAMETERS, and stores them as PKCS#8', () => {
    expect(read('leaf-pkcs1.key')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(parseCertificateUpload(leaf.crt + inter.crt, read('leaf-pkcs1.key'), now).keyPem).toBe(leaf.key);
    expect(wildSec1).toMatch(/^-----BEGIN EC PARAMETERS-----[\s\S]*-----BEGIN EC PRIVATE KEY-----/);
    expect(parseCertificateUpload(wild.crt + inter.crt, wildSec1, now).keyPem).toBe(wild.key);
  });

  it('takes the key out of a file that holds the certificate too', () => {
    expect(parseCertificateUpload(leaf.crt + inter.crt, leaf.crt + leaf.key, now).keyPem).toBe(leaf.key);
  });

  it('falls back to the common name, lowercased, only when there is no subjectAltName', () => {
    const up = parseCertificateUpload(legacy.crt, legacy.key, now);
    expect(up.cert.domains).toEqual(['legacy.example.net']);
    expect(up.cert.issuer).toBe('Legacy.Example.NET');
  });

  it('keeps no name that poses as two in the subjectAltName', () => {
    expect(new X509Certificate(trick.crt).subjectAltName).toBe(
      'DNS:trick.example.com, DNS:"evil.example.com\\u002c DNS:victim.example.com"',
    );
    const up = parseCertificateUpload(trick.crt, trick.key, now);
    expect(up.cert.domains).toEqual(['trick.example.com']);
    expect(certificateCovers(up.cert.domains, 'victim.example.com')).toBe(false);
  });

  it('marks a self-signed certificate and warns about it', () => {
    const up = parseCertificateUpload(self.crt, self.key, now);
    expect(up.cert.selfSigned).toBe(true);
    expect(up.cert.issuer).toBe('self.example.com');
    expect(up.warnings).toEqual(['The certificate is self-signed; browsers will warn visitors that it is not trusted']);
  });

  it('warns when no intermediate is given for a certificate a CA issued', () => {
    const up = parseCertificateUpload(leaf.crt, leaf.key, now);
    expect(up.warnings).toHaveLength(1);
    expect(up.warnings[0]).toMatch(/holds no intermediate certificate.*\(Certs Test Intermediate\)/);
  });

  it('warns when the certificate expires within 30 days', () => {
    const up = parseCertificateUpload(expiring.crt + inter.crt, expiring.key, now);
    expect(up.warnings).toEqual([`The certificate expires on ${up.cert.notAfter}, in 9 days`]);
  });

  it('warns about an expired intermediate but keeps it', () => {
    const up = parseCertificateUpload(underOld.crt + oldInter.crt + root.crt, underOld.key, now);
    expect(up.chainPem).toBe(underOld.crt + oldInter.crt + root.crt);
    expect(up.warnings).toEqual([
      'Intermediate certificate 2 (O=Certs Test, CN=Certs Test Old Intermediate) expired on 2020-02-01T00:00:00.000Z',
    ]);
  });

  it('accepts a not-yet-valid certificate with force, with a warning', () => {
    const up = parseCertificateUpload(future.crt + inter.crt, future.key, now, { force: true });
    expect(up.cert.notBefore).toBe('2099-01-01T00:00:00.000Z');
    expect(up.warnings).toEqual([
      'The certificate is not valid until 2099-01-01T00:00:00.000Z; browsers refuse it until then',
    ]);
  });

  it('takes time from `now`: valid from its first second to its last', () => {
    const { cert } = parseCertificateUpload(leaf.crt + inter.crt, leaf.key, now);
    const [start, end] = [Date.parse(cert.notBefore), Date.parse(cert.notAfter)];
    expect(parseCertificateUpload(leaf.crt + inter.crt, leaf.key, new Date(start)).cert).toEqual(cert);
    expect(parseCertificateUpload(leaf.crt + inter.crt, leaf.key, new Date(end)).cert).toEqual(cert);
    expect(refused(() => parseCertificateUpload(leaf.crt + inter.crt, leaf.key, new Date(end + 1000))).message).toBe(
      `The certificate expired on ${cert.notAfter}; give a current one`,
    );
    expect(
      refused(() => parseCertificateUpload(leaf.crt + inter.crt, leaf.key, new Date(start - 1000))).message,
    ).toMatch(/^The certificate is not valid until /);
    // The 2099 certificate, once its day has come, needs no force.
    const later = parseCertificateUpload(future.crt + inter.crt, future.key, new Date('2099-06-01T00:00:00Z'));
    expect(later.cert.domains).toEqual(['soon.example.com']);
    expect(later.warnings.filter((w) => w.includes('not valid until'))).toEqual([]);
  });
});

describe('parseCertificateUpload refuses', () => {
  const big = 'A'.repeat(10 * 1024 * 1024);
  it.each<[string, () => [unknown, unknown, Date?, { force?: boolean }?], string | RegExp]>([
    ['garbage', () => ['hello, this is not a certificate', leaf.key], /^The certificate is not PEM: expected text/],
    [
      'a DER certificate',
      () => [readFileSync(join(dir, 'leaf.der'), 'latin1'), leaf.key],
      /not PEM.*openssl x509 -inform der/,
    ],
    ['an empty certificate', () => ['', leaf.key], 'The certificate is required, as PEM text'],
    ['a certificate that is not a string', () => [42, leaf.key], 'The certificate is required, as PEM text'],
    [
      'garbage as key',
      () => [leaf.crt, 'not a key'],
      /^The key is not PEM: expected text starting with -----BEGIN PRIVATE KEY-----/,
    ],
    [
      'base64 garbage in PEM armor',
      () => ['-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----\n', leaf.key],
      "The certificate's CERTIFICATE block is not valid base64; is the file damaged?",
    ],
    [
      'valid base64 that is no certificate',
      () => ['-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n', leaf.key],
      'Certificate 1 in the certificate file is not a valid X.509 certificate; is the file damaged?',
    ],
    [
      'a damaged intermediate',
      () => [leaf.crt + inter.crt.replace(/\n[A-Za-z0-9+/]{64}\n/, '\nAAAA\n'), leaf.key],
      'Certificate 2 in the certificate file is not a valid X.509 certificate; is the file damaged?',
    ],
    [
      'a certificate cut short',
      () => [leaf.crt.slice(0, 300), leaf.key],
      "The certificate's -----BEGIN CERTIFICATE----- has no matching END line; is the file cut short?",
    ],
    [
      'a key cut short',
      () => [leaf.crt, leaf.key.slice(0, 300)],
      "The key's -----BEGIN PRIVATE KEY----- has no matching END line; is the file cut short?",
    ],
    [
      'a certificate file with no certificate',
      () => ['-----BEGIN PUBLIC KEY-----\naGVsbG8gd29ybGQ=\n-----END PUBLIC KEY-----\n', leaf.key],
      'The certificate file holds no certificate (no -----BEGIN CERTIFICATE----- block)',
    ],
    [
      'the key and the certificate swapped',
      () => [leaf.key, leaf.crt],
      'The certificate file holds a private key but no certificate; give the certificate first and the key second',
    ],
    [
      'a key file with a certificate but no key',
      () => [leaf.crt, inter.crt],
      'The key file holds a certificate but no private key; give the certificate first and the key second',
    ],
    [
      'a key file with no key',
      () => [leaf.crt, '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n'],
      'The key file holds no private key (no -----BEGIN PRIVATE KEY----- block)',
    ],
    [
      'two private keys',
      () => [leaf.crt + inter.crt, leaf.key + otherKey],
      "The key file holds 2 private keys; it must hold exactly one, the certificate's",
    ],
    [
      'an encrypted PKCS#8 key',
      () => [leaf.crt + inter.crt, read('leaf-enc.key')],
      'The private key is encrypted with a passphrase; decrypt it first: openssl pkey -in key.pem -out plain.pem',
    ],
    [
      'an encrypted traditional key',
      () => [leaf.crt + inter.crt, read('leaf-enc-legacy.key')],
      'The private key is encrypted with a passphrase; decrypt it first: openssl pkey -in key.pem -out plain.pem',
    ],
    [
      'a kind of key it does not read',
      () => [leaf.crt, '-----BEGIN OPENSSH PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n-----END OPENSSH PRIVATE KEY-----\n'],
      /^The key file's OPENSSH PRIVATE KEY is not a kind of key paas reads .*openssl pkey -in key.pem -out plain.pem$/,
    ],
    [
      'a damaged key',
      () => [leaf.crt, '-----BEGIN PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n-----END PRIVATE KEY-----\n'],
      'The private key (PRIVATE KEY) cannot be read; is the file damaged?',
    ],
    [
      'an RSA key that does not match',
      () => [leaf.crt + inter.crt, otherKey],
      'The private key does not match the certificate (O=Example Shop, CN=www.example.com); give the key the certificate was issued for',
    ],
    [
      'an EC key that does not match',
      () => [wild.crt + inter.crt, self.key],
      'The private key does not match the certificate (CN=*.example.org); give the key the certificate was issued for',
    ],
    [
      "the intermediate's key, the intermediate first",
      () => [inter.crt + leaf.crt, leaf.key],
      "The private key belongs to certificate 2 in the certificate file, not the first; put the site's certificate first, then its intermediates",
    ],
    [
      'an intermediate that did not issue the leaf',
      () => [leaf.crt + otherCa.crt, leaf.key],
      "Certificate 2 in the certificate file (CN=Other Root) did not issue certificate 1 (O=Example Shop, CN=www.example.com); give the site's certificate first, then each intermediate after the one it issued",
    ],
    [
      "an intermediate with the issuer's name and another key",
      () => {
        expect(new X509Certificate(byName.crt).checkIssued(new X509Certificate(impostor.crt))).toBe(true);
        return [byName.crt + impostor.crt, byName.key];
      },
      "Certificate 2 in the certificate file (O=Certs Test, CN=Certs Test Intermediate) did not issue certificate 1 (CN=byname.example.com); give the site's certificate first, then each intermediate after the one it issued",
    ],
    [
      'intermediates out of order',
      () => [leaf.crt + root.crt + inter.crt, leaf.key],
      /^Certificate 2 in the certificate file \(O=Certs Test, CN=Certs Test Root\) did not issue certificate 1/,
    ],
    [
      'a certificate with no DNS name',
      () => [ipOnly.crt, ipOnly.key],
      'The certificate names no domain: its subjectAltName has no DNS name (or it has neither a subjectAltName nor a common name)',
    ],
    [
      'an expired certificate',
      () => [expired.crt + inter.crt, expired.key],
      'The certificate expired on 2020-02-01T00:00:00.000Z; give a current one',
    ],
    [
      'a not-yet-valid certificate without force',
      () => [future.crt + inter.crt, future.key, now, { force: false }],
      'The certificate is not valid until 2099-01-01T00:00:00.000Z; add it then, or add it with force to store it now (browsers refuse it until then)',
    ],
    [
      'an expired certificate, even with force',
      () => [expired.crt + inter.crt, expired.key, now, { force: true }],
      'The certificate expired on 2020-02-01T00:00:00.000Z; give a current one',
    ],
  ])('%s', (_, args, message) => {
    const [crt, key, at, opts] = args();
    const err = refused(() => parseCertificateUpload(crt, key, at ?? now, opts));
    expect(err.code).toBe('invalid_params');
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  });

  it.each<[string, () => [string, string], string]>([
    ['a 10 MB certificate', () => [big, leaf.key], 'The certificate is 10240 KiB'],
    ['a 10 MB key', () => [leaf.crt, big], 'The key is 10240 KiB'],
    ['thousands of real certificates', () => [(leaf.crt + inter.crt).repeat(4000), leaf.key], 'The certificate is '],
    [
      'one byte over 64 KiB',
      () => [leaf.crt + ' '.repeat(MAX_PEM_BYTES + 1 - leaf.crt.length), leaf.key],
      'The certificate is 65 KiB',
    ],
  ])('%s, as too large', (_, args, start) => {
    const [crt, key] = args();
    const err = refused(() => parseCertificateUpload(crt, key, now));
    expect(err.code).toBe('payload_too_large');
    expect(err.message.startsWith(start)).toBe(true);
    expect(err.message).toMatch(/; at most 64 KiB is accepted \(a certificate with its intermediates is a few KiB\)$/);
  });

  it('accepts exactly 64 KiB', () => {
    const crt = leaf.crt + inter.crt;
    const padded = crt + ' '.repeat(MAX_PEM_BYTES - crt.length);
    expect(Buffer.byteLength(padded)).toBe(MAX_PEM_BYTES);
    expect(parseCertificateUpload(padded, leaf.key, now).chainPem).toBe(crt);
  });
});

describe('certificateCovers', () => {
  it.each<[string[], string, boolean]>([
    [['www.example.com'], 'www.example.com', true],
    [['www.example.com'], 'WWW.Example.Com', true],
    [['WWW.EXAMPLE.COM'], 'www.example.com', true],
    [['www.example.com'], 'www.example.com.', true],
    [['www.example.com'], 'example.com', false],
    [['www.example.com'], 'api.example.com', false],
    [['*.example.com'], 'a.example.com', true],
    [['*.example.com'], 'A.EXAMPLE.COM', true],
    [['*.example.com'], 'example.com', false],
    [['*.example.com'], 'a.b.example.com', false],
    [['*.example.com'], '.example.com', false],
    [['*.example.com'], 'aexample.com', false],
    [['*.example.com'], 'a.example.org', false],
    [['*.com'], 'example.com', false],
    [['example.com', '*.example.com'], 'example.com', true],
    [['example.com', '*.example.com'], 'shop.example.com', true],
    [[], 'example.com', false],
    [['example.com'], '', false],
  ])('%j covers %s: %s', (domains, hostname, covers) => {
    expect(certificateCovers(domains, hostname)).toBe(covers);
  });
});

describe('coveredDomains', () => {
  it("is the app's domains, default name included, that the certificate covers, in their order", () => {
    const app = ['shop.example.org', 'example.org', 'www.example.com', 'a.b.example.org', 'shop.paas.example.net'];
    expect(coveredDomains({ domains: ['*.example.org', 'example.org'] }, app)).toEqual([
      'shop.example.org',
      'example.org',
    ]);
    expect(coveredDomains({ domains: ['*.paas.example.net'] }, app)).toEqual(['shop.paas.example.net']);
    expect(coveredDomains({ domains: ['other.example.com'] }, app)).toEqual([]);
    expect(coveredDomains({ domains: ['example.org'] }, ['example.org', 'example.org'])).toEqual(['example.org']);
  });

  it('works on what parseCertificateUpload read', () => {
    const { cert } = parseCertificateUpload(leaf.crt + inter.crt, leaf.key, now);
    expect(coveredDomains(cert, ['EXAMPLE.com', 'www.example.com', 'shop.example.com'])).toEqual([
      'EXAMPLE.com',
      'www.example.com',
    ]);
  });
});

describe('renewalDue', () => {
  const at = new Date('2027-03-01T00:00:00Z');
  it.each<[string | Date, number | undefined, boolean]>([
    ['2027-06-01T00:00:00.000Z', undefined, false],
    ['2027-03-31T00:00:01.000Z', undefined, false],
    ['2027-03-31T00:00:00.000Z', undefined, true],
    ['2027-03-02T00:00:00.000Z', undefined, true],
    ['2027-02-01T00:00:00.000Z', undefined, true],
    [new Date('2027-03-20T00:00:00Z'), undefined, true],
    [new Date('2027-03-20T00:00:00Z'), 7, false],
    ['2027-03-05T00:00:00.000Z', 7, true],
    ['not a date', undefined, true],
  ])('%s (days %s): %s', (notAfter, days, due) => {
    expect(renewalDue(notAfter, at, days)).toBe(due);
  });
});
