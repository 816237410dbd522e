import { X509Certificate, createPrivateKey } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import acme from 'acme-client';

// Certificates from an ACME server (RFC 8555: Let's Encrypt, or Pebble in the
// tests) for an app's custom domains, by HTTP-01. The protocol is acme-client's
// (JWS, nonces and their badNonce retries, polling); this module drives its
// order flow step by step so that each failure says what the server said:
//
//   account    the account of the account key, looked up (newAccount with
//              onlyReturnExisting), else created (terms of service agreed);
//   order      newOrder for the domains;
//   challenges for each pending authorization, its http-01 token and key
//              authorization go into the ChallengeStore (the router answers
//              /.well-known/acme-challenge/<token> from it), the challenge is
//              answered, and its status polled until valid or invalid; the
//              tokens are removed from the store whatever the outcome;
//   finalize   a CSR signed by a fresh private key (one per certificate,
//              never the account key), then the certificate downloaded.
//
// Not acme-client's self-check of the challenge URL (verifyChallenge): the
// controller may not reach the apps' public names from where it runs. The
// ChallengeStore's set() waits instead until a router serves the answer
// (auto.ts, selfcheck.ts); the server's own validation is the one that counts.
//
// acme-client talks through one module-wide axios instance, with no option
// for a CA per client; an extra CA (PEM) given for a directory is trusted,
// on top of the system's, for every request to that directory's origin by a
// request interceptor installed once. The directory is read once first with
// the same trust, so that a server that is down or not trusted fails at once
// with its cause (reachDirectory).

/** Where the HTTP-01 answers go while a challenge is open; the router serves them. */
export interface ChallengeStore {
  set(token: string, keyAuthorization: string): Promise<void> | void;
  remove(token: string): Promise<void> | void;
}

export type CertificateKeyType = 'ecdsa' | 'rsa';

export interface IssueOptions {
  /** The ACME server's directory (PAAS_ACME_DIRECTORY_URL). */
  directoryUrl: string;
  /** The DNS names the certificate covers; the first is its subject CN (when at most 64 characters). */
  domains: string[];
  challenges: ChallengeStore;
  /** The ACME account's private key, PEM; absent: a new one (newAccountKey), returned to be kept. */
  accountKey?: string;
  /** The account's contact, as mailto:. */
  email?: string;
  /** PEM of CA certificates trusted, besides the system's, for the ACME server's HTTPS (a test server's own CA). */
  extraCa?: string;
  /** The certificate's key: ECDSA P-256 (default) or RSA 2048. */
  keyType?: CertificateKeyType;
  /** Polling of challenges and the order: up to `attempts` times, waiting minMs doubling to maxMs. */
  poll?: { attempts?: number; minMs?: number; maxMs?: number };
}

export interface IssuedCertificate {
  /** The leaf, then the chain the server sent, PEM. */
  certPem: string;
  /** The certificate's private key, unencrypted PKCS#8 PEM. */
  keyPem: string;
  /** The leaf's expiry, ISO 8601. */
  notAfter: string;
  /** The account key used (the one given, or the new one). */
  accountKey: string;
  /** The account's URL at the ACME server. */
  accountUrl: string;
}

/** An RFC 7807 problem as the ACME server sent it. */
export interface AcmeProblem {
  type?: string;
  detail?: string;
  status?: number;
}

export type AcmeStep = 'account' | 'order' | 'challenge' | 'finalize' | 'download';

/** A failed issuance; the message carries the ACME server's problem detail ("failing: <message>"). */
export class AcmeError extends Error {
  constructor(
    message: string,
    readonly step: AcmeStep,
    readonly problem?: AcmeProblem,
    readonly domain?: string,
  ) {
    super(message);
    this.name = 'AcmeError';
  }
}

type Client = InstanceType<typeof acme.Client>;
type Order = Awaited<ReturnType<Client['createOrder']>>;
type Authorization = Awaited<ReturnType<Client['getAuthorizations']>>[number];

const POLL = { attempts: 10, minMs: 1000, maxMs: 30_000 };
const MAX_CN_LENGTH = 64;

/** A new ACME account key: ECDSA P-256, PKCS#8 PEM. */
export async function newAccountKey(): Promise<string> {
  return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
}

/** Orders, validates (HTTP-01) and downloads a certificate for `domains`. Throws AcmeError. */
export async function issueCertificate(opts: IssueOptions): Promise<IssuedCertificate> {
  const domains = normalizeDomains(opts.domains);
  const accountKey = opts.accountKey ?? (await newAccountKey());
  try {
    createPrivateKey(accountKey);
  } catch {
    throw new AcmeError('The ACME account key is not a PEM private key', 'account');
  }
  await reachDirectory(opts.directoryUrl, trustFor(opts.directoryUrl, opts.extraCa));
  const poll = { ...POLL, ...opts.poll };
  const client = new acme.Client({
    directoryUrl: opts.directoryUrl,
    accountKey,
    backoffAttempts: poll.attempts,
    backoffMin: poll.minMs,
    backoffMax: poll.maxMs,
  });

  await step('account', opts.directoryUrl, () => useAccount(client, opts.email));
  const accountUrl = client.getAccountUrl();

  const order = await step('order', opts.directoryUrl, () =>
    client.createOrder({ identifiers: domains.map((value) => ({ type: 'dns', value })) }),
  );
  const authorizations = await step('order', opts.directoryUrl, () => client.getAuthorizations(order));
  await answerChallenges(client, order, authorizations, opts.challenges, opts.directoryUrl);

  const keyPem = (
    opts.keyType === 'rsa'
      ? await acme.crypto.createPrivateRsaKey(2048)
      : await acme.crypto.createPrivateEcdsaKey('P-256')
  ).toString();
  const commonName = (domains[0] as string).length <= MAX_CN_LENGTH ? domains[0] : undefined;
  const [, csr] = await acme.crypto.createCsr({ commonName, altNames: [...domains] }, keyPem);
  const finalized = await step('finalize', opts.directoryUrl, async () => {
    await client.waitForValidStatus(order); // ready: every authorization valid
    return client.finalizeOrder(order, csr);
  });
  const chain = await step('download', opts.directoryUrl, () => client.getCertificate(finalized));

  const certPem = chain.endsWith('\n') ? chain : `${chain}\n`;
  const leaf = leafOf(certPem);
  if (!leaf.checkPrivateKey(createPrivateKey(keyPem)))
    throw new AcmeError('The ACME server returned a certificate for another key', 'download');
  return { certPem, keyPem, notAfter: new Date(leaf.validTo).toISOString(), accountKey, accountUrl };
}

/**
 * The account of the client's key: looked up first (onlyReturnExisting), created when there is none. Not
 * acme-client's createAccount alone: for a key the server knows, it follows newAccount with an update carrying
 * only termsOfServiceAgreed, which Pebble rejects as an empty update. The contact is updated when it changed.
 */
async function useAccount(client: Client, email: string | undefined): Promise<void> {
  const contact = email ? [`mailto:${email}`] : undefined;
  let existing;
  try {
    existing = await client.createAccount({ onlyReturnExisting: true });
  } catch {
    try {
      await client.createAccount({ termsOfServiceAgreed: true, ...(contact ? { contact } : {}) });
    } catch (e) {
      // The account was there after all (the lookup failed for another reason): only the update after it failed.
      if (!hasAccountUrl(client)) throw e;
    }
    return;
  }
  if (contact && (existing.contact ?? []).join(',') !== contact.join(',')) await client.updateAccount({ contact });
}

function hasAccountUrl(client: Client): boolean {
  try {
    return client.getAccountUrl() !== '';
  } catch {
    return false;
  }
}

/** Lowercase, without a trailing dot, each once; HTTP-01 cannot prove a wildcard. */
function normalizeDomains(input: string[]): string[] {
  const domains = [...new Set(input.map((d) => d.trim().toLowerCase().replace(/\.$/, '')))];
  if (domains.length === 0 || domains.includes('')) throw new AcmeError('No domain to certify', 'order');
  const wildcard = domains.find((d) => d.includes('*'));
  if (wildcard) throw new AcmeError(`${wildcard}: a wildcard name cannot be validated by HTTP-01`, 'order');
  return domains;
}

/**
 * Answers the http-01 challenge of every pending authorization, all at once, and waits for each to be valid.
 * On a failure the others are still waited for (their tokens stay served until then), authorizations whose
 * challenge was never answered are deactivated (a pending one counts against the account's limits until it
 * expires), and the error names the domain and the server's problem.
 */
async function answerChallenges(
  client: Client,
  order: Order,
  authorizations: Authorization[],
  store: ChallengeStore,
  directoryUrl: string,
): Promise<void> {
  const unanswered = new Set(authorizations.filter((a) => a.status === 'pending'));
  const results = await Promise.allSettled(
    authorizations.map(async (authz) => {
      const domain = authz.identifier.value;
      if (authz.status === 'valid') return;
      if (authz.status !== 'pending')
        throw new AcmeError(`${domain}: the authorization is ${authz.status}`, 'challenge', undefined, domain);
      const challenge = authz.challenges.find((c) => c.type === 'http-01');
      if (!challenge)
        throw new AcmeError(
          `${domain}: the ACME server offers no http-01 challenge (only ${authz.challenges.map((c) => c.type).join(', ')})`,
          'challenge',
          undefined,
          domain,
        );
      try {
        await store.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
        unanswered.delete(authz);
        await client.completeChallenge(challenge);
        await client.waitForValidStatus(challenge);
      } catch (e) {
        throw await challengeError(client, order, authz, e, directoryUrl);
      } finally {
        // A token left behind is harmless (its record expires); it must not turn an issued certificate into a failure.
        await Promise.resolve()
          .then(() => store.remove(challenge.token))
          .catch(() => undefined);
      }
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return;
  await Promise.allSettled([...unanswered].map((a) => client.deactivateAuthorization(a)));
  throw toAcmeError(failed.reason, 'challenge', directoryUrl);
}

/** The challenge's problem as the server recorded it (type and detail), read back from its authorization. */
async function challengeError(
  client: Client,
  order: Order,
  authz: Authorization,
  e: unknown,
  directoryUrl: string,
): Promise<AcmeError> {
  const domain = authz.identifier.value;
  try {
    const fresh = (await client.getAuthorizations(order)).find((a) => a.url === authz.url);
    const problem = fresh?.challenges.find((c) => c.type === 'http-01')?.error as AcmeProblem | undefined;
    if (problem?.detail) return new AcmeError(`${domain}: ${problemText(problem)}`, 'challenge', problem, domain);
  } catch {
    // The poll's own error is all there is.
  }
  return toAcmeError(e, 'challenge', directoryUrl, domain);
}

function problemText(p: AcmeProblem): string {
  const type = p.type?.replace(/^urn:ietf:params:acme:error:/, '');
  return type ? `${p.detail} (${type})` : (p.detail ?? 'unknown error');
}

/** Runs one step of the flow; any error becomes an AcmeError of that step. */
async function step<T>(name: AcmeStep, directoryUrl: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toAcmeError(e, name, directoryUrl);
  }
}

const STEP_TEXT: Record<AcmeStep, string> = {
  account: 'registering the ACME account',
  order: 'ordering the certificate',
  challenge: 'answering the challenge',
  finalize: 'finalizing the order',
  download: 'downloading the certificate',
};

function toAcmeError(e: unknown, name: AcmeStep, directoryUrl: string, domain?: string): AcmeError {
  if (e instanceof AcmeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  // acme-client hands back the server's problem detail as the message. A request that got no answer is an
  // axios error, or (acme-client 5.4, its issue #101) a TypeError that lost the cause.
  const lost = e instanceof TypeError && message.includes("(reading 'config')");
  const network = lost || (typeof e === 'object' && e !== null && (e as { isAxiosError?: boolean }).isAxiosError);
  const text = network
    ? `cannot reach the ACME server at ${directoryUrl}${lost ? ' (no answer)' : `: ${message}`}`
    : `${STEP_TEXT[name]}: ${message || 'unknown error'}`;
  return new AcmeError(domain ? `${domain}: ${text}` : text, name, undefined, domain);
}

function leafOf(chainPem: string): X509Certificate {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(chainPem);
  if (!first) throw new AcmeError('The ACME server returned no certificate', 'download');
  return new X509Certificate(first[0]);
}

// The extra CA of each directory origin, applied to acme-client's requests by one interceptor.
const trusted = new Map<string, { ca: string; agent: Agent }>();
let intercepting = false;

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/** The agent trusting the directory's extra CA (undefined: the system's CAs), set for acme-client's requests. */
function trustFor(directoryUrl: string, extraCa: string | undefined): Agent | undefined {
  const origin = originOf(directoryUrl);
  if (!extraCa) {
    trusted.delete(origin);
    return undefined;
  }
  if (trusted.get(origin)?.ca !== extraCa)
    trusted.set(origin, { ca: extraCa, agent: new Agent({ ca: [...rootCertificates, extraCa], keepAlive: true }) });
  if (!intercepting) {
    intercepting = true;
    acme.axios.interceptors.request.use((config) => {
      const t = config.url ? trusted.get(originOf(config.url)) : undefined;
      if (t) config.httpsAgent = t.agent;
      return config;
    });
  }
  return trusted.get(origin)?.agent;
}

const DIRECTORY_TIMEOUT_MS = 15_000;

/**
 * Reads the directory once before acme-client does. acme-client 5.4 retries a request that gets no answer 5 times
 * over 75 s, then loses its cause ("Cannot read properties of undefined (reading 'config')", its issue #101): an
 * ACME server that is down, or whose certificate is not trusted, is said here at once and in words.
 */
async function reachDirectory(directoryUrl: string, agent: Agent | undefined): Promise<void> {
  let url: URL;
  try {
    url = new URL(directoryUrl);
  } catch {
    throw new AcmeError(`The ACME directory URL is not a URL: ${directoryUrl}`, 'account');
  }
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const options = { timeout: DIRECTORY_TIMEOUT_MS, headers: { accept: 'application/json' } };
    const req =
      url.protocol === 'http:' ? httpRequest(url, options) : httpsRequest(url, agent ? { ...options, agent } : options);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text.length < 65_536 ? (text += chunk) : undefined));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${DIRECTORY_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end();
  }).catch((e: unknown) => {
    throw new AcmeError(
      `cannot reach the ACME server at ${directoryUrl}: ${e instanceof Error ? e.message : String(e)}`,
      'account',
    );
  });
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const problem = json as AcmeProblem | undefined;
  if (status !== 200)
    throw new AcmeError(
      `the ACME server at ${directoryUrl} answered ${status}${problem?.detail ? `: ${problemText(problem)}` : ''}`,
      'account',
      problem?.detail ? problem : undefined,
    );
  if (typeof (json as { newOrder?: unknown } | undefined)?.newOrder !== 'string')
    throw new AcmeError(`${directoryUrl} is not an ACME directory (no newOrder in it)`, 'account');
}
