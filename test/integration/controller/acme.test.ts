import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AcmeError,
  issueCertificate,
  newAccountKey,
  type ChallengeStore,
} from '../../../services/controller/certs/acme.js';
import { startPebble, type Pebble } from '../../support/pebble.js';

// issueCertificate against a real ACME server, Pebble (test/support/pebble.ts):
// HTTP-01 answered by a challenge server here, serving what the module put in
// an in-memory ChallengeStore, as the router will.

class MemoryChallengeStore implements ChallengeStore {
  readonly tokens = new Map<string, string>();
  readonly sets: string[] = [];
  set(token: string, keyAuthorization: string): void {
    this.sets.push(token);
    this.tokens.set(token, keyAuthorization);
  }
  remove(token: string): void {
    this.tokens.delete(token);
  }
}

const PREFIX = '/.well-known/acme-challenge/';

let pebble: Pebble;
let server: Server;
let store: MemoryChallengeStore;
/** The challenge server answers 404 to everything. */
let broken = false;
/** Host headers of the validation requests seen. */
let hosts: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const token = req.url?.startsWith(PREFIX) ? req.url.slice(PREFIX.length) : '';
    hosts.push(req.headers.host ?? '');
    const answer = broken ? undefined : store.tokens.get(token);
    res.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'text/plain' }).end(answer ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pebble = await startPebble({ httpPort: (server.address() as AddressInfo).port });
});

afterAll(async () => {
  await pebble?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

beforeEach(() => {
  store = new MemoryChallengeStore();
  broken = false;
  hosts = [];
});

const fast = { minMs: 100, maxMs: 1000, attempts: 20 };

function certificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (c) => new X509Certificate(c),
  );
}

describe('issueCertificate (Pebble)', () => {
  let accountKey: string;
  let accountUrl: string;

  it('issues a certificate for two names by HTTP-01, with a new account and a fresh ECDSA key', async () => {
    const port = (server.address() as AddressInfo).port;
    const issued = await issueCertificate({
      directoryUrl: pebble.directoryUrl,
      extraCa: pebble.ca,
      domains: ['shop.paas.test', 'WWW.shop.paas.test'],
      challenges: store,
      email: 'ops@paas.test',
      poll: fast,
    });

    const [leaf, intermediate] = certificates(issued.certPem);
    expect(leaf, 'leaf').toBeDefined();
    expect(intermediate, 'the chain after the leaf').toBeDefined();
    const names = (leaf?.subjectAltName ?? '').split(', ').sort();
    expect(names).toEqual(['DNS:shop.paas.test', 'DNS:www.shop.paas.test']);
    expect(leaf?.checkIssued(intermediate as X509Certificate)).toBe(true);
    expect(leaf?.verify((intermediate as X509Certificate).publicKey)).toBe(true);

    const notAfter = new Date(issued.notAfter);
    expect(notAfter.getTime()).toBeGreaterThan(Date.now());
    expect(notAfter.getTime()).toBe(new Date(leaf?.validTo ?? 0).getTime());

    expect(issued.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const key = createPrivateKey(issued.keyPem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(leaf?.checkPrivateKey(key)).toBe(true);

    // Both names were validated through the challenge server, and their tokens are gone from the store.
    expect(store.sets).toHaveLength(2);
    expect(store.tokens.size).toBe(0);
    expect(new Set(hosts)).toEqual(new Set([`shop.paas.test:${port}`, `www.shop.paas.test:${port}`]));
    expect(pebble.dns.queries).toEqual(expect.arrayContaining(['shop.paas.test', 'www.shop.paas.test']));

    // A new account key was made (none was given) and is handed back to be kept.
    expect(issued.accountKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(createPrivateKey(issued.accountKey).asymmetricKeyType).toBe('ec');
    expect(issued.accountUrl).toMatch(/^https:\/\/127\.0\.0\.1:/);
    accountKey = issued.accountKey;
    accountUrl = issued.accountUrl;
  });

  it('reuses the account of a given key (its contact updated); each certificate has a key of its own (RSA here)', async () => {
    expect(accountKey, 'the first test ran').toBeDefined();
    const issued = await issueCertificate({
      directoryUrl: pebble.directoryUrl,
      extraCa: pebble.ca,
      domains: ['api.paas.test'],
      challenges: store,
      accountKey,
      email: 'certs@paas.test',
      keyType: 'rsa',
      poll: fast,
    });
    expect(issued.accountUrl).toBe(accountUrl);
    expect(issued.accountKey).toBe(accountKey);
    const [leaf] = certificates(issued.certPem);
    expect(leaf?.subjectAltName).toBe('DNS:api.paas.test');
    const key = createPrivateKey(issued.keyPem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(leaf?.checkPrivateKey(key)).toBe(true);
  });

  it('a challenge answered 404 fails the order with the ACME server problem, and no certificate', async () => {
    broken = true;
    const result = issueCertificate({
      directoryUrl: pebble.directoryUrl,
      extraCa: pebble.ca,
      domains: ['broken.paas.test'],
      challenges: store,
      accountKey: await newAccountKey(),
      poll: fast,
    });
    const err = await result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AcmeError);
    const acmeErr = err as AcmeError;
    expect(acmeErr.step).toBe('challenge');
    expect(acmeErr.domain).toBe('broken.paas.test');
    expect(acmeErr.problem?.type).toBe('urn:ietf:params:acme:error:unauthorized');
    // Pebble's own words: the URL it fetched and the status it got.
    expect(acmeErr.message).toMatch(
      /^broken\.paas\.test: .*http:\/\/broken\.paas\.test:\d+\/\.well-known\/acme-challenge\/\S+ returned 404 \(unauthorized\)$/,
    );
    expect(hosts.length).toBeGreaterThan(0);
    expect(store.sets).toHaveLength(1);
    expect(store.tokens.size).toBe(0);
  });

  it('an ACME server not trusted, or down, fails at once with the cause, not a certificate', async () => {
    // Without its extraCa, Pebble's certificate is not trusted.
    await expect(
      issueCertificate({ directoryUrl: pebble.directoryUrl, domains: ['shop.paas.test'], challenges: store }),
    ).rejects.toThrow(/^cannot reach the ACME server at https:\/\/127\.0\.0\.1:\d+\/dir: self-signed certificate$/);
    // A port nothing listens on (acme-client alone would retry for 75 s, then lose the cause).
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      issueCertificate({
        directoryUrl: `https://127.0.0.1:${port}/dir`,
        domains: ['shop.paas.test'],
        challenges: store,
      }),
    ).rejects.toThrow(`cannot reach the ACME server at https://127.0.0.1:${port}/dir: connect ECONNREFUSED`);
    expect(store.sets).toHaveLength(0);
  });
});
