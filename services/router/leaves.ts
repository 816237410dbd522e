import { readFile } from 'node:fs/promises';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Logger } from '../core/logger.js';
import { isAppName } from '../core/names.js';

// Platform certificates ("leaves"): TLS clients refuse a wildcard one label
// under a top-level name (curl, browsers: `*.localhost` does not cover
// `app.localhost`), so the default domain's wildcard is not enough. The
// router issues instead, from the platform CA (scripts/lib/tls.sh), a
// certificate for `<app>.<PAAS_DOMAIN>` the first time a client asks for
// that name by SNI: nginx's Lua asks `GET /leaves/<name>` on the router's
// socket (wake.ts) when it holds no certificate of the app's own for it
// (luatls.ts), and keeps the answer in a shared dict for every worker.
// Issued only for an app the router serves; kept in memory, re-issued a
// week before its end. Every leaf shares one key, made at start and never
// written anywhere; the CA's key is read once, at start.
//
// Why @peculiar/x509: Node's crypto parses certificates but cannot make
// one; this library (PeculiarVentures, also what acme-client builds CSRs
// with, so already in the tree) signs with WebCrypto in-process, about 4 ms
// a leaf here, where spawning openssl would take several times that.

/** How long a leaf is valid. */
export const LEAF_VALID_DAYS = 30;
/** A leaf this close to its end is issued again. */
export const LEAF_RENEW_DAYS = 7;
/** How long nginx keeps a leaf before it asks again (at most; never past the renewal point). */
export const LEAF_CACHE_S = 86_400;
/** Leaves kept by the router (the oldest dropped beyond). */
const MAX_KEPT = 20_000;

const DAY_MS = 86_400_000;

/** A leaf as nginx takes it: the PEM of the leaf then the CA, the PEM of its key (PKCS#8). */
export interface Leaf {
  chainPem: string;
  keyPem: string;
  notAfter: Date;
}

/** The app a name is the platform name of (`<app>.<domain>`), else undefined; pure. */
export function leafApp(name: string, domain: string): string | undefined {
  const suffix = `.${domain}`;
  if (!name.endsWith(suffix)) return undefined;
  const app = name.slice(0, -suffix.length);
  return isAppName(app) ? app : undefined;
}

/** Seconds until a leaf ending at notAfter is due for renewal (negative: past it); pure. */
export function untilRenewalS(notAfter: Date, now: number): number {
  return Math.floor((notAfter.getTime() - LEAF_RENEW_DAYS * DAY_MS - now) / 1000);
}

/** Seconds nginx may keep a leaf ending at notAfter: until its renewal point, at most LEAF_CACHE_S, at least 60; pure. */
export function leafCacheSeconds(notAfter: Date, now: number): number {
  return Math.max(60, Math.min(LEAF_CACHE_S, untilRenewalS(notAfter, now)));
}

/** What nginx's Lua reads (luatls.ts parts_of): `leaf pem <chain bytes>\n<chain PEM><key PEM>`; pure. */
export function leafWire(leaf: Pick<Leaf, 'chainPem' | 'keyPem'>): Buffer {
  return Buffer.from(`leaf pem ${Buffer.byteLength(leaf.chainPem)}\n${leaf.chainPem}${leaf.keyPem}`);
}

type SigningAlgorithm = EcdsaParams & EcKeyImportParams;

/** The WebCrypto algorithm that signs with this CA key (ECDSA P-256/P-384 or RSA), or why not. */
function signingAlgorithm(key: ReturnType<typeof createPrivateKey>): SigningAlgorithm | RsaHashedImportParams {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    if (curve === 'secp384r1') return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
    throw new Error(`the CA key's curve ${curve ?? '(unknown)'} is not P-256 or P-384`);
  }
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  throw new Error(`the CA key is ${key.asymmetricKeyType ?? 'of an unknown type'}, not EC or RSA`);
}

/** A positive serial of 128 random bits (RFC 5280 §4.1.2.2: positive, at most 20 octets), hex. */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] as number) & 0x7f;
  if (b[0] === 0) b[0] = 1;
  return b.toString('hex');
}

export class LeafIssuer {
  private readonly kept = new Map<string, Leaf>();
  private readonly issuing = new Map<string, Promise<Leaf>>();

  private constructor(
    /** The CA's SHA-256 fingerprint, colon hex (render.ts: nginx drops the leaves of another CA). */
    readonly fingerprint: string,
    private readonly ca: x509.X509Certificate,
    private readonly caPem: string,
    private readonly caKey: CryptoKey,
    private readonly algorithm: SigningAlgorithm | RsaHashedImportParams,
    private readonly keys: CryptoKeyPair,
    private readonly keyPem: string,
    private readonly extensions: x509.Extension[],
    private readonly now: () => number,
  ) {}

  /** From the CA's certificate and (unencrypted) key, PEM; throws with the reason when they cannot issue. */
  static async create(caCertPem: string, caKeyPem: string, now: () => number = Date.now): Promise<LeafIssuer> {
    x509.cryptoProvider.set(webcrypto as Crypto);
    let nodeCa: NodeX509;
    try {
      nodeCa = new NodeX509(caCertPem);
    } catch (err) {
      throw new Error(`the CA certificate does not parse: ${(err as Error).message}`, { cause: err });
    }
    if (!nodeCa.ca) throw new Error('the CA certificate is not a CA (basicConstraints CA:TRUE)');
    let key;
    try {
      key = createPrivateKey(caKeyPem);
    } catch (err) {
      throw new Error(`the CA key does not parse (is it encrypted?): ${(err as Error).message}`, { cause: err });
    }
    if (!nodeCa.checkPrivateKey(key)) throw new Error('the CA key does not match the CA certificate');
    const algorithm = signingAlgorithm(key);
    const subtle = webcrypto.subtle;
    const caKey = await subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), algorithm, false, [
      'sign',
    ]);
    const leafAlg = { name: 'ECDSA', namedCurve: 'P-256' };
    const keys = (await subtle.generateKey(leafAlg, true, ['sign', 'verify'])) as CryptoKeyPair;
    const keyPem = createPrivateKey({
      key: Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey)),
      format: 'der',
      type: 'pkcs8',
    }).export({ format: 'pem', type: 'pkcs8' }) as string;
    const ca = new x509.X509Certificate(nodeCa.raw);
    const extensions = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ];
    return new LeafIssuer(
      nodeCa.fingerprint256,
      ca,
      nodeCa.toString(),
      caKey,
      algorithm,
      keys,
      keyPem,
      extensions,
      now,
    );
  }

  /** The leaf of `name` (one this issuer made and holds, else a new one); concurrent asks share one issuance. */
  async leaf(name: string): Promise<Leaf> {
    const held = this.kept.get(name);
    // kept until its renewal point, or for good when the CA ends first (a new one would end no later)
    if (held && (untilRenewalS(held.notAfter, this.now()) > 0 || held.notAfter >= this.ca.notAfter)) return held;
    const inFlight = this.issuing.get(name);
    if (inFlight) return inFlight;
    const p = this.issue(name).finally(() => this.issuing.delete(name));
    this.issuing.set(name, p);
    const leaf = await p;
    this.kept.delete(name);
    this.kept.set(name, leaf);
    if (this.kept.size > MAX_KEPT) this.kept.delete(this.kept.keys().next().value as string);
    return leaf;
  }

  private async issue(name: string): Promise<Leaf> {
    const now = this.now();
    // an hour back: a client whose clock is a little behind still accepts it; never past the CA's own end
    const notAfter = new Date(Math.min(now + LEAF_VALID_DAYS * DAY_MS, this.ca.notAfter.getTime()));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${name}`,
      issuer: this.ca.subject,
      notBefore: new Date(now - 3_600_000),
      notAfter,
      signingAlgorithm: this.algorithm,
      publicKey: this.keys.publicKey,
      signingKey: this.caKey,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: name }]), ...this.extensions],
    });
    return { chainPem: `${cert.toString('pem')}\n${this.caPem}`, keyPem: this.keyPem, notAfter };
  }
}

/** What the router's socket answers GET /leaves/<name> with (wake.ts): the leaf of an app it serves, else none. */
export function leafAnswerer(
  issuer: LeafIssuer,
  domain: string,
  served: () => ReadonlySet<string>,
): (name: string) => Promise<Leaf | undefined> {
  return async (name) => {
    const app = leafApp(name, domain);
    return app !== undefined && served().has(app) ? issuer.leaf(name) : undefined;
  };
}

/** The issuer of the CA in these files, or undefined (logged: why) when they cannot issue. */
export async function loadLeafIssuer(
  files: { certificate: string; key: string },
  log: Logger,
): Promise<LeafIssuer | undefined> {
  try {
    const [cert, key] = await Promise.all(
      [files.certificate, files.key].map((f) =>
        readFile(f, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new Error(`cannot read ${f}: ${err.code ?? err.message}`);
        }),
      ),
    );
    const issuer = await LeafIssuer.create(cert as string, key as string);
    log.info({ ca: files.certificate, fingerprint: issuer.fingerprint }, 'each app gets a certificate of its own name');
    return issuer;
  } catch (err) {
    log.warn(
      { ca: files.certificate, key: files.key, why: (err as Error).message },
      "no certificates of apps' own names: their names get the fallback (PAAS_ROUTER_CA_CERT, PAAS_ROUTER_CA_KEY)",
    );
    return undefined;
  }
}
