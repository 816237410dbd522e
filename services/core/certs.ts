import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { PaasError, invalid } from './errors.js';
import type { CertificateRecord } from './types.js';

// HTTPS certificates of apps, chosen by SNI: the checks an uploaded
// certificate and key pass before anything is stored, which of an app's
// domains a certificate covers, and when one is due for renewal. Pure:
// node:crypto's X509Certificate and key objects read everything needed, so
// no ASN.1 library and no openssl process.

/** The most bytes each PEM upload may hold: a leaf and its intermediates are a few KiB. */
export const MAX_PEM_BYTES = 64 * 1024;
/** Days before expiry from which a certificate is renewed (as ACME clients do). */
export const RENEWAL_DAYS = 30;
/** Where ACME's HTTP-01 asks (RFC 8555 §8.3): the router answers it, the controller checks it (certs/selfcheck.ts). */
export const ACME_CHALLENGE_PATH = '/.well-known/acme-challenge/';

const DAY_MS = 86_400_000;

/** What a certificate says about itself, as the API shows and the router and renewer use. */
export interface CertificateInfo {
  /** DNS names from the subjectAltName, lowercased; the subject CN only when there is no SAN. */
  domains: string[];
  /** The issuer's CN, else its O, else its whole name: "R11", "Example Ltd". */
  issuer: string;
  /** The subject's name on one line, most general part first: "O=Example Ltd, CN=www.example.com". */
  subject: string;
  /** ISO 8601. */
  notBefore: string;
  /** ISO 8601. */
  notAfter: string;
  /** SHA-256 of the DER, colon hex as `openssl x509 -fingerprint -sha256` prints it. */
  sha256Fingerprint: string;
  /** Uppercase hex, as `openssl x509 -serial` prints it. */
  serial: string;
  selfSigned: boolean;
}

/** An accepted upload: what to store and what to tell the person. */
export interface CertificateUpload {
  cert: CertificateInfo;
  /** The leaf, then the intermediates in the order given, re-encoded as plain PEM. */
  chainPem: string;
  /** The private key as unencrypted PKCS#8 PEM. */
  keyPem: string;
  warnings: string[];
}

interface PemBlock {
  label: string;
  headers: string[];
  der: Buffer;
}

type Upload = 'certificate' | 'key';

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----$/;
const END = /^-----END ([A-Z0-9 ]+)-----$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const PRIVATE_KEY_TYPES: Record<string, 'pkcs8' | 'pkcs1' | 'sec1'> = {
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
};
const NOT_PEM: Record<Upload, string> = {
  certificate:
    'The certificate is not PEM: expected text starting with -----BEGIN CERTIFICATE----- (a binary DER file converts with: openssl x509 -inform der -in cert.der -out cert.pem)',
  key: 'The key is not PEM: expected text starting with -----BEGIN PRIVATE KEY----- (a binary DER key converts with: openssl pkey -inform der -in key.der -out key.pem)',
};

/** The PEM blocks of an upload. Text around them is skipped, as openssl does: exports from PKCS#12 put "Bag Attributes" there. */
function pemBlocks(text: unknown, what: Upload): PemBlock[] {
  if (typeof text !== 'string' || text.trim() === '') throw invalid(`The ${what} is required, as PEM text`);
  // The size is checked before any parsing, so a huge upload costs nothing.
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_PEM_BYTES)
    throw new PaasError(
      'payload_too_large',
      `The ${what} is ${Math.ceil(bytes / 1024)} KiB; at most ${MAX_PEM_BYTES / 1024} KiB is accepted (a certificate with its intermediates is a few KiB)`,
    );
  const blocks: PemBlock[] = [];
  let open: { label: string; lines: string[] } | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!open) {
      const begin = BEGIN.exec(line);
      if (begin) open = { label: begin[1] as string, lines: [] };
      continue;
    }
    if (BEGIN.test(line) || line.startsWith('-----END')) {
      const end = END.exec(line);
      if (!end || end[1] !== open.label)
        throw invalid(`The ${what}'s -----BEGIN ${open.label}----- has no matching END line; is the file cut short?`);
      blocks.push(decodeBlock(open.label, open.lines, what));
      open = undefined;
      continue;
    }
    open.lines.push(line);
  }
  if (open)
    throw invalid(`The ${what}'s -----BEGIN ${open.label}----- has no matching END line; is the file cut short?`);
  if (blocks.length === 0) throw invalid(NOT_PEM[what]);
  return blocks;
}

function decodeBlock(label: string, lines: string[], what: Upload): PemBlock {
  // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED") come first, then a blank line, then base64.
  const headers: string[] = [];
  let i = 0;
  while (i < lines.length && (lines[i] as string).includes(':')) headers.push(lines[i++] as string);
  const body = lines.slice(i).join('');
  if (body === '' || !BASE64.test(body) || body.length % 4 === 1)
    throw invalid(`The ${what}'s ${label} block is not valid base64; is the file damaged?`);
  return { label, headers, der: Buffer.from(body, 'base64') };
}

/** A certificate's validity dates, as Node prints them ("Dec  7 11:13:24 2026 GMT"), as a Date. */
function certTime(text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw invalid(`The certificate has a date that cannot be read: ${text}`);
  return date;
}

function nameField(name: Record<string, string | string[]> | undefined, field: string): string | undefined {
  const value = name?.[field];
  // A name may repeat a field (two OUs); the last is the most specific.
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** A one-line distinguished name from Node's one-RDN-per-line form (values keep their RFC 2253 escapes). */
function oneLine(name: string): string {
  return name.split('\n').join(', ');
}

/** The entries of Node's subjectAltName string. Values with ", " or quotes come as JSON strings, so a name cannot pose as two. */
function altNames(san: string): { type: string; value: string }[] {
  const entries: { type: string; value: string }[] = [];
  let rest = san;
  while (rest.length > 0) {
    const colon = rest.indexOf(':');
    if (colon < 0) break;
    const type = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
    let value: string;
    const quoted = rest.startsWith('"') ? /^"(?:[^"\\]|\\.)*"/.exec(rest) : null;
    if (quoted) {
      value = JSON.parse(quoted[0]) as string;
      rest = rest.slice(quoted[0].length);
    } else {
      const comma = rest.indexOf(', ');
      value = comma < 0 ? rest : rest.slice(0, comma);
      rest = comma < 0 ? '' : rest.slice(comma);
    }
    entries.push({ type, value });
    rest = rest.replace(/^, /, '');
  }
  return entries;
}

// A DNS name as certificates carry it: labels of letters, digits, dashes (and
// the underscores some internal names have), a wildcard only as the whole
// first label. Anything else (a quoted name with a comma in it) is dropped,
// so no odd string reaches the API or the router.
const CERT_NAME = /^(?:\*\.)?[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;

function domainsOf(cert: X509Certificate): string[] {
  const names =
    cert.subjectAltName === undefined
      ? [nameField(cert.toLegacyObject().subject as unknown as Record<string, string | string[]>, 'CN') ?? '']
      : altNames(cert.subjectAltName)
          .filter((e) => e.type === 'DNS')
          .map((e) => e.value);
  const domains = names.map(normalizeName).filter((n) => CERT_NAME.test(n));
  return [...new Set(domains)];
}

function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  // checkIssued compares names and key identifiers; verify checks the
  // signature, which a look-alike issuer with the same name cannot make.
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/** What a certificate says about itself. */
export function describeCertificate(cert: X509Certificate): CertificateInfo {
  const legacy = cert.toLegacyObject();
  const issuerName = legacy.issuer as unknown as Record<string, string | string[]> | undefined;
  return {
    domains: domainsOf(cert),
    issuer: nameField(issuerName, 'CN') ?? nameField(issuerName, 'O') ?? oneLine(cert.issuer),
    subject: oneLine(cert.subject),
    notBefore: certTime(cert.validFrom).toISOString(),
    notAfter: certTime(cert.validTo).toISOString(),
    sha256Fingerprint: cert.fingerprint256,
    serial: cert.serialNumber.toUpperCase(),
    selfSigned: issuedBy(cert, cert),
  };
}

function readCertificates(crtPem: unknown): X509Certificate[] {
  const blocks = pemBlocks(crtPem, 'certificate');
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) {
    if (blocks.some((b) => b.label.endsWith('PRIVATE KEY')))
      throw invalid(
        'The certificate file holds a private key but no certificate; give the certificate first and the key second',
      );
    throw invalid('The certificate file holds no certificate (no -----BEGIN CERTIFICATE----- block)');
  }
  return certs.map((block, i) => {
    try {
      return new X509Certificate(block.der);
    } catch {
      throw invalid(
        `Certificate ${i + 1} in the certificate file is not a valid X.509 certificate; is the file damaged?`,
      );
    }
  });
}

function readPrivateKey(keyPem: unknown): KeyObject {
  const blocks = pemBlocks(keyPem, 'key');
  // Other blocks are skipped: `openssl ecparam -genkey` writes EC PARAMETERS
  // before the key, and a combined file holds certificates too.
  const keys = blocks.filter((b) => b.label.endsWith('PRIVATE KEY'));
  if (keys.length === 0) {
    if (blocks.some((b) => b.label === 'CERTIFICATE'))
      throw invalid(
        'The key file holds a certificate but no private key; give the certificate first and the key second',
      );
    throw invalid('The key file holds no private key (no -----BEGIN PRIVATE KEY----- block)');
  }
  if (keys.length > 1)
    throw invalid(`The key file holds ${keys.length} private keys; it must hold exactly one, the certificate's`);
  const block = keys[0] as PemBlock;
  // Node cannot be told "no passphrase": an encrypted key only fails with
  // "interrupted or cancelled", so it is recognized by its label or header.
  if (block.label === 'ENCRYPTED PRIVATE KEY' || block.headers.some((h) => /^Proc-Type:.*ENCRYPTED/i.test(h)))
    throw invalid(
      'The private key is encrypted with a passphrase; decrypt it first: openssl pkey -in key.pem -out plain.pem',
    );
  const type = PRIVATE_KEY_TYPES[block.label];
  if (!type)
    throw invalid(
      `The key file's ${block.label} is not a kind of key paas reads (PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY); convert it: openssl pkey -in key.pem -out plain.pem`,
    );
  try {
    return createPrivateKey({ key: block.der, format: 'der', type });
  } catch {
    throw invalid(`The private key (${block.label}) cannot be read; is the file damaged?`);
  }
}

function label(cert: X509Certificate): string {
  return oneLine(cert.subject) || 'no subject';
}

/**
 * The certificate (leaf, then intermediates) and key a person uploads, checked as a
 * whole; 422 (413 when too large) with what to do otherwise. `force` accepts a
 * certificate that is not valid yet. Pure.
 */
export function parseCertificateUpload(
  crtPem: unknown,
  keyPem: unknown,
  now: Date,
  opts: { force?: boolean } = {},
): CertificateUpload {
  const chain = readCertificates(crtPem);
  const key = readPrivateKey(keyPem);
  const leaf = chain[0] as X509Certificate;
  const cert = describeCertificate(leaf);
  const warnings: string[] = [];

  // The public halves compared as SPKI DER: one encoding whatever the key type.
  const keySpki = spki(createPublicKey(key));
  if (!keySpki.equals(spki(leaf.publicKey))) {
    const owner = chain.findIndex((c) => keySpki.equals(spki(c.publicKey)));
    throw invalid(
      owner > 0
        ? `The private key belongs to certificate ${owner + 1} in the certificate file, not the first; put the site's certificate first, then its intermediates`
        : `The private key does not match the certificate (${label(leaf)}); give the key the certificate was issued for`,
    );
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    const [cur, next] = [chain[i] as X509Certificate, chain[i + 1] as X509Certificate];
    if (!issuedBy(cur, next))
      throw invalid(
        `Certificate ${i + 2} in the certificate file (${label(next)}) did not issue certificate ${i + 1} (${label(cur)}); give the site's certificate first, then each intermediate after the one it issued`,
      );
  }
  if (cert.domains.length === 0)
    throw invalid(
      'The certificate names no domain: its subjectAltName has no DNS name (or it has neither a subjectAltName nor a common name)',
    );
  if (now.getTime() > Date.parse(cert.notAfter))
    throw invalid(`The certificate expired on ${cert.notAfter}; give a current one`);
  if (now.getTime() < Date.parse(cert.notBefore)) {
    if (!opts.force)
      throw invalid(
        `The certificate is not valid until ${cert.notBefore}; add it then, or add it with force to store it now (browsers refuse it until then)`,
      );
    warnings.push(`The certificate is not valid until ${cert.notBefore}; browsers refuse it until then`);
  }

  if (cert.selfSigned)
    warnings.push('The certificate is self-signed; browsers will warn visitors that it is not trusted');
  else if (chain.length === 1)
    warnings.push(
      `The certificate file holds no intermediate certificate; clients that do not already have its issuer (${cert.issuer}) will not trust it, unless that issuer is itself a trusted root`,
    );
  chain.slice(1).forEach((c, i) => {
    const until = certTime(c.validTo);
    // A warning, not a refusal: a chain may carry an expired cross-signature
    // on purpose for old clients, and current ones build another path.
    if (now.getTime() > until.getTime())
      warnings.push(`Intermediate certificate ${i + 2} (${label(c)}) expired on ${until.toISOString()}`);
  });
  if (renewalDue(cert.notAfter, now)) {
    const days = Math.floor((Date.parse(cert.notAfter) - now.getTime()) / DAY_MS);
    warnings.push(`The certificate expires on ${cert.notAfter}, in ${days} day${days === 1 ? '' : 's'}`);
  }

  return {
    cert,
    chainPem: chain.map((c) => c.toString()).join(''),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    warnings,
  };
}

/** Whether a certificate for `domains` covers `hostname`: the same name, or `*.example.com` for exactly one label more. Case-insensitive. */
export function certificateCovers(domains: readonly string[], hostname: string): boolean {
  const host = normalizeName(hostname);
  if (host === '') return false;
  return domains.some((domain) => {
    const name = normalizeName(domain);
    if (name === host) return true;
    if (!name.startsWith('*.')) return false;
    const suffix = name.slice(1);
    // "*.com" covers nothing: browsers refuse a wildcard right above a top-level label.
    if (!suffix.slice(1).includes('.')) return false;
    const first = host.slice(0, host.length - suffix.length);
    return host.endsWith(suffix) && first !== '' && !first.includes('.');
  });
}

/** Which of an app's domains (custom ones and its default `<app>.<PAAS_DOMAIN>`) `cert` covers, in their order. */
export function coveredDomains(cert: Pick<CertificateInfo, 'domains'>, appDomains: readonly string[]): string[] {
  return appDomains.filter((d, i) => appDomains.indexOf(d) === i && certificateCovers(cert.domains, d));
}

/** Whether a certificate ending at `notAfter` is within `days` of expiry at `now`, so due for renewal. */
export function renewalDue(notAfter: string | Date, now: Date, days: number = RENEWAL_DAYS): boolean {
  const end = typeof notAfter === 'string' ? Date.parse(notAfter) : notAfter.getTime();
  // A date that cannot be read is renewed rather than left to lapse unseen.
  if (Number.isNaN(end)) return true;
  return end - now.getTime() <= days * DAY_MS;
}

/** The record to store for a certificate (CertificateRecord): what it says of itself, its chain and key. Pure. */
export function certificateRecord(
  app: string,
  source: CertificateRecord['source'],
  cert: CertificateInfo,
  chainPem: string,
  keyPem: string,
  at: string,
): CertificateRecord {
  return { ...cert, app, source, chainPem, keyPem, updatedAt: at };
}
