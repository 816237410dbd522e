import { createPrivateKey, generateKeyPairSync, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LEAF_CACHE_S,
  LEAF_RENEW_DAYS,
  LEAF_VALID_DAYS,
  leafAnswerer,
  leafApp,
  leafCacheSeconds,
  LeafIssuer,
  leafWire,
} from '../../../services/router/leaves.js';

const DAY = 86_400_000;

/** A self-signed CA made in-process: its PEM and its key's PEM. */
async function makeCa(opts: { ca?: boolean; days?: number; alg?: 'P-256' | 'RSA' } = {}) {
  x509.cryptoProvider.set(webcrypto as Crypto);
  const alg =
    opts.alg === 'RSA'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }
      : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=leaves test CA',
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + (opts.days ?? 365) * DAY),
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(opts.ca ?? true, undefined, true)],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
  return { certPem: cert.toString('pem'), keyPem };
}

/** The leaf's certificates as Node reads them, from what nginx gets. */
function chainOf(wire: Buffer): { leaf: X509Certificate; ca: X509Certificate; keyPem: string } {
  const text = wire.toString('utf8');
  const m = /^leaf pem (\d+)\n/.exec(text);
  expect(m).not.toBeNull();
  const head = (m as RegExpExecArray)[0].length;
  const n = Number((m as RegExpExecArray)[1]);
  const chain = text.slice(head, head + n);
  const pems = chain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  expect(pems).toHaveLength(2);
  return {
    leaf: new X509Certificate(pems[0] as string),
    ca: new X509Certificate(pems[1] as string),
    keyPem: text.slice(head + n),
  };
}

describe('leafApp: the app a name is the platform name of', () => {
  it('takes one app-name label under the domain, and nothing else', () => {
    expect(leafApp('shop.localhost', 'localhost')).toBe('shop');
    expect(leafApp('my-app.apps.example.com', 'apps.example.com')).toBe('my-app');
    expect(leafApp('x.shop.localhost', 'localhost')).toBeUndefined(); // two labels
    expect(leafApp('localhost', 'localhost')).toBeUndefined();
    expect(leafApp('.localhost', 'localhost')).toBeUndefined();
    expect(leafApp('shop.example.com', 'localhost')).toBeUndefined();
    expect(leafApp('shoplocalhost', 'localhost')).toBeUndefined();
    expect(leafApp('Shop_1.localhost', 'localhost')).toBeUndefined(); // not an app name
    expect(leafApp('a.localhost', 'localhost')).toBeUndefined(); // too short for an app
  });
});

describe('leafCacheSeconds and leafWire', () => {
  it('keeps a leaf a day at most, never past a week before its end, a minute at least', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    expect(leafCacheSeconds(new Date(now + 30 * DAY), now)).toBe(LEAF_CACHE_S);
    expect(leafCacheSeconds(new Date(now + (LEAF_RENEW_DAYS * DAY + 3_600_000)), now)).toBe(3600);
    expect(leafCacheSeconds(new Date(now + DAY), now)).toBe(60);
  });

  it('frames the chain and key as the Lua reads them', () => {
    const wire = leafWire({ chainPem: 'CHAIN', keyPem: 'KEY' });
    expect(wire.toString('utf8')).toBe('leaf pem 5\nCHAINKEY');
  });
});

describe('LeafIssuer', () => {
  let ca: { certPem: string; keyPem: string };
  beforeAll(async () => {
    ca = await makeCa();
  });

  it('issues a leaf for the name, signed by the CA, for serving only, with the CA after it', async () => {
    const now = Date.now();
    const issuer = await LeafIssuer.create(ca.certPem, ca.keyPem, () => now);
    expect(issuer.fingerprint).toBe(new X509Certificate(ca.certPem).fingerprint256);
    const got = await issuer.leaf('shop.localhost');
    const { leaf, ca: second, keyPem } = chainOf(leafWire(got));
    const caCert = new X509Certificate(ca.certPem);
    expect(second.fingerprint256).toBe(caCert.fingerprint256);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('DNS:shop.localhost');
    expect(leaf.subject).toBe('CN=shop.localhost');
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth
    expect(leaf.checkHost('shop.localhost')).toBe('shop.localhost');
    expect(leaf.checkHost('other.localhost')).toBeUndefined();
    expect(Date.parse(leaf.validTo)).toBeLessThanOrEqual(now + LEAF_VALID_DAYS * DAY);
    expect(Date.parse(leaf.validTo)).toBeGreaterThan(now + (LEAF_VALID_DAYS - 1) * DAY);
    expect(Date.parse(leaf.validFrom)).toBeLessThan(now);
    // the key is the leaf's
    expect(leaf.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    // a positive serial of 128 bits at most
    expect(leaf.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
  });

  it('issues once for concurrent asks, keeps the leaf, and issues again past its renewal point', async () => {
    let now = Date.now();
    const issuer = await LeafIssuer.create(ca.certPem, ca.keyPem, () => now);
    const asks = await Promise.all(Array.from({ length: 10 }, () => issuer.leaf('blog.localhost')));
    expect(new Set(asks).size).toBe(1);
    expect(await issuer.leaf('blog.localhost')).toBe(asks[0]);
    expect(await issuer.leaf('shop.localhost')).not.toBe(asks[0]);
    now += (LEAF_VALID_DAYS - LEAF_RENEW_DAYS) * DAY + 1000;
    const renewed = await issuer.leaf('blog.localhost');
    expect(renewed).not.toBe(asks[0]);
    expect(renewed.notAfter.getTime()).toBeGreaterThan((asks[0] as { notAfter: Date }).notAfter.getTime());
  });

  it('never issues past the end of the CA', async () => {
    const short = await makeCa({ days: 3 });
    const issuer = await LeafIssuer.create(short.certPem, short.keyPem);
    const got = await issuer.leaf('shop.localhost');
    expect(got.notAfter.getTime()).toBe(Date.parse(new X509Certificate(short.certPem).validTo));
    // within a week of its end, but none could end later: kept, not issued at each ask
    expect(await issuer.leaf('shop.localhost')).toBe(got);
  });

  it('signs with an RSA CA too', async () => {
    const rsa = await makeCa({ alg: 'RSA' });
    const issuer = await LeafIssuer.create(rsa.certPem, rsa.keyPem);
    const { leaf } = chainOf(leafWire(await issuer.leaf('shop.localhost')));
    expect(leaf.verify(new X509Certificate(rsa.certPem).publicKey)).toBe(true);
  });

  it('refuses what cannot issue, saying why', async () => {
    const other = await makeCa();
    const notCa = await makeCa({ ca: false });
    await expect(LeafIssuer.create('garbage', ca.keyPem)).rejects.toThrow(/CA certificate does not parse/);
    await expect(LeafIssuer.create(ca.certPem, 'garbage')).rejects.toThrow(/CA key does not parse/);
    await expect(LeafIssuer.create(ca.certPem, other.keyPem)).rejects.toThrow(/does not match/);
    await expect(LeafIssuer.create(notCa.certPem, notCa.keyPem)).rejects.toThrow(/not a CA/);
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: 'secret',
    }) as string;
    await expect(LeafIssuer.create(ca.certPem, encrypted)).rejects.toThrow(/encrypted/);
  });
});

describe('leafAnswerer', () => {
  it('issues only for `<app>.<domain>` of an app the router serves', async () => {
    const ca = await makeCa();
    const issuer = await LeafIssuer.create(ca.certPem, ca.keyPem);
    const served = new Set(['shop']);
    const answer = leafAnswerer(issuer, 'apps.test', () => served);
    expect(await answer('shop.apps.test')).toBeDefined();
    expect(await answer('blog.apps.test')).toBeUndefined();
    expect(await answer('shop.example.com')).toBeUndefined();
    expect(await answer('x.shop.apps.test')).toBeUndefined();
    served.add('blog');
    expect(await answer('blog.apps.test')).toBeDefined();
  });
});
