import type { AutoCertView } from '../../core/api.js';
import { certificateCovers, certificateRecord, describeCertificate, renewalDue } from '../../core/certs.js';
import { conflict, invalid } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Store } from '../../core/store.js';
import type { AcmeChallenge, App, AutoCertRecord, CertificateRecord } from '../../core/types.js';
import type { AcmeSettings } from '../config.js';
import type { Deps } from '../deps.js';
import { customDomainsOf, domainsByApp } from '../domains/domains.js';
import { sameList } from '../../core/compare.js';
import { issueCertificate, type ChallengeStore } from './acme.js';
import { challengeServed } from './selfcheck.js';
import { X509Certificate } from 'node:crypto';

// Automatic certificates, Heroku's ACM: `paas certs:auto:enable` marks the
// app (/auto-certs/<app>); the controller's AcmeWorker orders one
// certificate for all its custom domains from the ACME server
// (PAAS_ACME_DIRECTORY_URL) when none covers them, 30 days before expiry, and
// when the domains change, answering HTTP-01 through AcmeChallenge records
// the routers serve. A failed order marks the domains failing with the
// server's error and is tried again after PAAS_ACME_RETRY_MS; it never
// removes the certificate that serves.

/** How long a challenge record lives at most (an order takes seconds). */
const CHALLENGE_TTL_MS = 10 * 60_000;

export function autoView(r: AutoCertRecord | undefined): AutoCertView {
  if (!r) return { enabled: false, domains: [] };
  return {
    enabled: r.enabled,
    domains: Object.entries(r.domains)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([hostname, d]) => ({ hostname, status: d.status, at: d.at, ...(d.reason && { reason: d.reason }) })),
    ...(r.nextAt && { next_at: r.nextAt }),
  };
}

export async function autoStatus(deps: Deps, app: App): Promise<AutoCertView> {
  return autoView(await deps.store.get<AutoCertRecord>(deps.store.keys.autoCert(app.name)));
}

/** Turns automatic certificates on: every custom domain pending, an order due now. */
export async function enableAuto(deps: Deps, app: App): Promise<AutoCertView> {
  if (!deps.acme)
    throw conflict('Automatic certificates need an ACME server: the platform has no PAAS_ACME_DIRECTORY_URL set');
  const custom = (await customDomainsOf(deps.store, app.name)).map((d) => d.hostname);
  if (custom.length === 0) throw invalid(`${app.name} has no custom domain; add one with \`paas domains:add\` first`);
  const at = new Date().toISOString();
  const record: AutoCertRecord = {
    app: app.name,
    enabled: true,
    domains: Object.fromEntries(custom.map((d) => [d, { status: 'pending' as const, at }])),
    nextAt: at,
    updatedAt: at,
  };
  const { store } = deps;
  if (
    !(await store.commit(
      [{ key: store.keys.app(app.name), exists: true }],
      [{ put: store.keys.autoCert(app.name), value: record }],
    ))
  )
    throw conflict(`${app.name} changed meanwhile; try again`);
  return autoView(record);
}

/** Turns them off: the ACME certificate goes (an uploaded one stays); the domains fall back to the platform's. */
export async function disableAuto(deps: Deps, app: App): Promise<AutoCertView> {
  const { store } = deps;
  const cert = await store.get<CertificateRecord>(store.keys.cert(app.name));
  await store.delete(store.keys.autoCert(app.name));
  if (cert?.source === 'acme') await store.delete(store.keys.cert(app.name));
  return autoView(undefined);
}

/** The platform's ACME account (key and URL), kept in etcd so every controller orders as one account. */
interface AcmeAccount {
  key: string;
  url: string;
}

/**
 * HTTP-01 answers as records the routers serve (keys.acmeChallenge); with a self-check URL, set() returns once the
 * router there serves the answer (selfcheck.ts), or after its timeout (logged).
 */
function challengeStore(store: Store, app: string, selfCheckUrl: string | undefined, log: Logger): ChallengeStore {
  return {
    set: async (token, keyAuthorization) => {
      const c: AcmeChallenge = {
        token,
        keyAuthorization,
        app,
        expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS).toISOString(),
      };
      await store.put(store.keys.acmeChallenge(token), c);
      if (selfCheckUrl && !(await challengeServed(selfCheckUrl, token, keyAuthorization)))
        log.warn({ app, token, selfCheckUrl }, 'the router does not serve the challenge yet; answering it anyway');
    },
    remove: async (token) => {
      await store.delete(store.keys.acmeChallenge(token));
    },
  };
}

/** Whether the app's certificate is an ACME one covering every domain and not yet due for renewal. */
export function servesAll(cert: CertificateRecord | undefined, domains: readonly string[], now: Date): boolean {
  return (
    cert?.source === 'acme' &&
    domains.every((d) => certificateCovers(cert.domains, d)) &&
    !renewalDue(cert.notAfter, now)
  );
}

/** The next order of an app whose certificate serves: 30 days before it expires. */
function renewalAt(notAfter: string): string {
  return new Date(Date.parse(notAfter) - 30 * 86_400_000).toISOString();
}

/**
 * The controller's ACME loop: every checkMs, each enabled app whose order is due (nextAt) gets one, one app at a
 * time. One controller should run it (several would order twice; a lease is for issue 19's several controllers).
 */
export class AcmeWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly settings: AcmeSettings,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.pass(), this.settings.checkMs);
    void this.pass();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One look at every app with automatic certificates (a pass in flight is not started twice). */
  pass(): Promise<void> {
    this.running ??= this.passOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async passOnce(): Promise<void> {
    const { store } = this;
    const records = await store.list<AutoCertRecord>(store.keys.autoCerts()).catch((err: unknown) => {
      this.log.warn({ err }, 'cannot read the automatic certificates');
      return [];
    });
    const domainsOf = await domainsByApp(store).catch(() => new Map<string, { hostname: string }[]>());
    for (const r of records) {
      if (this.stopped) return;
      const domains = (domainsOf.get(r.app) ?? []).map((d) => d.hostname).sort();
      const changed = !sameList(domains, Object.keys(r.domains).sort()); // added or removed: ordered again at once
      if (!r.enabled || (!changed && r.nextAt && Date.parse(r.nextAt) > Date.now())) continue;
      await this.order(r, domains).catch((err: unknown) =>
        this.log.error({ err, app: r.app }, 'automatic certificate pass failed'),
      );
    }
  }

  /** Orders for `domains`, the app's custom domains as the pass read them. */
  private async order(r: AutoCertRecord, domains: readonly string[]): Promise<void> {
    const { store, settings } = this;
    const now = new Date();
    const cert = await store.get<CertificateRecord>(store.keys.cert(r.app));
    const at = now.toISOString();
    const mark = (status: 'ok' | 'failing', nextAt: string, reason?: string): AutoCertRecord => ({
      ...r,
      // a failing order leaves the domains the serving certificate covers ok
      domains: Object.fromEntries(
        domains.map((d) =>
          status === 'failing' && cert && certificateCovers(cert.domains, d) && !renewalDue(cert.notAfter, now)
            ? [d, { status: 'ok' as const, at }]
            : [d, { status, at, ...(reason && { reason }) }],
        ),
      ),
      nextAt,
      updatedAt: at,
    });
    if (domains.length === 0)
      return this.save(r, {
        ...r,
        domains: {},
        nextAt: new Date(now.getTime() + settings.retryMs).toISOString(),
        updatedAt: at,
      });
    if (servesAll(cert, domains, now)) return this.save(r, mark('ok', renewalAt(cert!.notAfter)));
    const account = await store.get<AcmeAccount>(store.keys.acmeAccount());
    this.log.info({ app: r.app, domains }, 'ordering a certificate');
    try {
      const issued = await issueCertificate({
        directoryUrl: settings.directoryUrl,
        domains: [...domains],
        challenges: challengeStore(store, r.app, settings.selfCheckUrl, this.log),
        ...(account && { accountKey: account.key }),
        ...(settings.email && { email: settings.email }),
        ...(settings.extraCa && { extraCa: settings.extraCa }),
      });
      if (!account) await store.put(store.keys.acmeAccount(), { key: issued.accountKey, url: issued.accountUrl });
      const info = describeCertificate(new X509Certificate(issued.certPem));
      const record = certificateRecord(r.app, 'acme', info, issued.certPem, issued.keyPem, at);
      // Only while automatic certificates are still on for the app (disabled meanwhile: nothing is written).
      const ok = await store.commit(
        [{ key: store.keys.autoCert(r.app), exists: true }],
        [{ put: store.keys.cert(r.app), value: record }],
      );
      if (ok) await this.save(r, mark('ok', renewalAt(info.notAfter)));
      this.log.info({ app: r.app, domains, notAfter: info.notAfter }, 'certificate issued');
    } catch (err) {
      const reason = (err as Error).message;
      this.log.warn({ app: r.app, domains, reason }, 'certificate order failed; the certificate that serves stays');
      await this.save(r, mark('failing', new Date(now.getTime() + settings.retryMs).toISOString(), reason));
    }
  }

  /** Writes the record's new state unless it changed meanwhile (disabled, enabled again). */
  private async save(was: AutoCertRecord, next: AutoCertRecord): Promise<void> {
    const key = this.store.keys.autoCert(was.app);
    const cur = await this.store.getVersioned<AutoCertRecord>(key);
    if (!cur || cur.value.updatedAt !== was.updatedAt) return;
    await this.store.commit([{ key, modRevision: cur.modRevision }], [{ put: key, value: next }]);
  }
}
