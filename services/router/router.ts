import type { Logger } from '../core/logger.js';
import type { RouteState } from '../core/types.js';
import { batchParts, type ControlChange, type SiteEntry, type UpstreamControl } from './control.js';
import { desiredStates, desiredUpstreams, siteChanges, sitesOf, stateChanges, upstreamChanges } from './model.js';
import { NginxError, type Nginx } from './nginx.js';
import { FallbackCertificate } from './fallback.js';
import { renderNginx, type NginxModel } from './render.js';
import type { RouteTable } from './table.js';
import { certificateChanges, challengeChanges, desiredCertificates, desiredChallenges } from './tls.js';

// The reconcile loop: routes in etcd -> nginx. The config depends only on the
// router's settings (render, check, swap, reload only when it changes); the
// apps (custom domains, maintenance), their upstreams and the state of one
// without (sleeping, waking, crashed) go to nginx's Lua through the control
// endpoint, so a new app, a blue-green swap, a sleep or a wake reloads
// nothing; so do the apps' certificates (by hostname, for HTTPS by SNI) and
// the ACME challenges nginx answers.

/** A pass that took longer than this pauses as long before the next one (Router.loop). */
const PASS_PAUSE_FROM_MS = 5;

export interface RouterDeps {
  table: RouteTable;
  nginx: Nginx;
  control: UpstreamControl;
  log: Logger;
  /**
   * Everything the renderer needs but the apps. `https` (without its fingerprint) is what the operator asked for:
   * served while its fallback files can be (each pass looks, so files made later turn HTTPS on).
   */
  settings: Omit<NginxModel, 'apps'>;
  /** A periodic pass that restarts nginx if it died; also the longest retry delay. */
  resyncMs: number;
  /**
   * How often to look whether nginx's master still runs; a pass starts it again at once if not (nginx is the router's
   * to supervise).
   */
  nginxCheckMs?: number;
  /** The host the router runs on (an agent's PAAS_HOST_ID): its containers are reached at their bridge addresses. */
  hostId?: string;
  /** The clock of certificates' expiry. */
  now?: () => Date;
}

export class Router {
  /** The config in place on disk (read once at start, then what we installed). */
  private installed: string | undefined;
  private installedRead = false;
  /** A config nginx -t rejected; not tried again until the model changes. */
  private failed: string | undefined;
  /** The master we last talked to, and what its shared dict holds. */
  private knownPid: number | undefined;
  private held = new Map<string, string[]>();
  private heldStates = new Map<string, RouteState>();
  private heldSites = new Map<string, SiteEntry>();
  /** The certificates nginx holds (versions), the one of each name, the challenges it answers. */
  private heldCerts = new Set<string>();
  private heldNames = new Map<string, string>();
  private heldChallenges = new Map<string, string>();
  private readonly fallback: FallbackCertificate;
  /** The expired certificates in use that were logged (app and version), so each is logged once. */
  private expiredLogged = new Set<string>();
  /** Of the last pass: the apps nginx serves, and the state of each route that has one. */
  private served = new Set<string>();
  private states = new Map<string, RouteState>();
  private sinces = new Map<string, string>();
  /**
   * Dyno names by app and upstream, of this pass and the one before (a drained container still logs its last requests).
   */
  private dynos = new Map<string, Map<string, string>>();
  private dynosBefore = new Map<string, Map<string, string>>();
  private lastReport = '';
  private lastCertReport = '';

  private busy: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  /** An nginx start in flight: a pass and checkNginx share it (never two masters racing for the ports). */
  private startingNginx: Promise<number> | undefined;
  /** checkNginx starting a dead nginx again; a pass waits for it. */
  private restarting: Promise<void> | undefined;
  private unwatch: (() => Promise<void>) | undefined;
  private stopped = false;

  constructor(private readonly deps: RouterDeps) {
    this.fallback = new FallbackCertificate(deps.settings.https, deps.log);
  }

  async start(): Promise<void> {
    this.unwatch = await this.deps.table.watch(() => this.trigger());
    this.resyncTimer = setInterval(() => this.trigger(), this.deps.resyncMs);
    if (this.deps.nginxCheckMs) this.checkTimer = setInterval(() => void this.checkNginx(), this.deps.nginxCheckMs);
  }

  /**
   * nginx gone (killed, crashed) while a config is installed: started again at
   * once with the config on disk and the upstreams it held (needing neither
   * etcd nor a pass, which may be waiting on it), then a pass.
   */
  private async checkNginx(): Promise<void> {
    if (this.restarting || this.stopped) return;
    const { nginx, log } = this.deps;
    if (!this.installedRead) {
      // Just started and no pass through yet (etcd may be down): the config on disk is what nginx ran.
      this.installed = await nginx.readConfig().catch(() => undefined);
      this.installedRead = true;
    }
    if (this.installed === undefined) return;
    if ((await nginx.masterPid().catch(() => 0)) !== undefined) return;
    this.restarting = (async () => {
      log.warn({ pid: this.knownPid }, 'nginx is not running (killed or crashed); starting it again');
      try {
        const pid = await this.startNginx();
        // a new master's dicts are empty: all the old one held, the apps last (they make the names answer);
        // the certificates (whose PEM the router does not keep) and challenges come with the pass that follows
        this.heldCerts.clear();
        this.heldNames.clear();
        this.heldChallenges.clear();
        await this.push([
          ...[...this.heldStates].map(([app, state]): ControlChange => ({ kind: 'state', app, state })),
          ...[...this.held].map(([app, upstreams]): ControlChange => ({ kind: 'upstreams', app, upstreams })),
          ...[...this.heldSites].map(([app, site]): ControlChange => ({ kind: 'site', app, site })),
        ]);
        this.knownPid = pid;
        log.info({ pid, apps: this.heldSites.size, states: this.heldStates.size }, 'nginx started again');
      } catch (err) {
        this.knownPid = undefined; // the next pass tries
        log.error({ err }, 'cannot start nginx again');
      }
    })().finally(() => (this.restarting = undefined));
    await this.restarting;
    this.trigger();
  }

  private startNginx(): Promise<number> {
    this.startingNginx ??= this.deps.nginx.start().finally(() => (this.startingNginx = undefined));
    return this.startingNginx;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.checkTimer) clearInterval(this.checkTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.unwatch?.();
    await this.busy;
  }

  /** Runs a pass now, or right after the one in progress. */
  trigger(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = this.loop().finally(() => (this.busy = undefined));
  }

  /** The dyno (web.1) at an upstream address of an app, as nginx's access log names it. */
  dynoOf(app: string, upstream: string): string | undefined {
    return this.dynos.get(app)?.get(upstream) ?? this.dynosBefore.get(app)?.get(upstream);
  }

  /** The state of the app's route as of the last pass (sleeping, waking, crashed), if it has one. */
  stateOf(app: string): RouteState | undefined {
    return this.states.get(app);
  }

  /** When the app fell asleep (its route's `since`, state sleeping) as of the last pass. */
  sleepingSince(app: string): string | undefined {
    return this.sinces.get(app);
  }

  /** The apps nginx serves as of the last pass. */
  apps(): ReadonlySet<string> {
    return this.served;
  }

  /** Resolves when no pass is running (a pass triggered meanwhile included). */
  async settled(): Promise<void> {
    while (this.busy) await this.busy;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const started = performance.now();
      try {
        await this.reconcile();
        this.failures = 0;
        // Changes came meanwhile: a pass that took long (many apps: it reads every route) waits as long before the
        // next, so back-to-back changes (10,000 apps made at once) leave the process's other services half of it.
        const took = performance.now() - started;
        if (this.again && took > PASS_PAUSE_FROM_MS) await new Promise((r) => setTimeout(r, Math.min(took, 250)));
      } catch (err) {
        this.failures++;
        const delay = Math.min(this.deps.resyncMs, 250 * 2 ** Math.min(this.failures, 8));
        this.deps.log.error({ err, retryInMs: delay }, 'router pass failed');
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.trigger(), delay);
      }
    } while (this.again && !this.stopped);
  }

  /**
   * One pass: routes -> config (installed, nginx reloaded or started, when it changed) -> apps, upstreams, states;
   * then the certificates of the apps' names and the ACME challenges.
   */
  async reconcile(): Promise<void> {
    const { nginx, control, log } = this.deps;
    const tables = await this.deps.table.read();
    const routes = tables.routes;
    const desired = desiredUpstreams(routes, this.deps.hostId);
    this.dynosBefore = this.dynos;
    this.dynos = desired.dynos;
    const https = await this.fallback.https();
    const rendered = renderNginx({ ...this.deps.settings, https, apps: sitesOf(routes) });
    this.report(rendered.rejected, desired.invalid);
    const desiredStateMap = desiredStates(routes);
    this.served = new Set(rendered.apps);
    this.states = desiredStateMap;
    this.sinces = new Map(
      routes.flatMap((r) =>
        desiredStateMap.get(r.app) === 'sleeping' && typeof r.since === 'string' ? [[r.app, r.since]] : [],
      ),
    );

    if (!this.installedRead) {
      this.installed = await nginx.readConfig();
      this.installedRead = true;
    }
    let changed = false;
    if (rendered.config !== this.installed && rendered.config !== this.failed) {
      try {
        await nginx.install(rendered.config);
        this.installed = rendered.config;
        this.failed = undefined;
        changed = true;
        log.info('nginx config installed');
      } catch (err) {
        if (!(err instanceof NginxError)) throw err;
        this.failed = rendered.config;
        log.error({ output: err.output.trim() }, 'nginx rejected the new config; keeping the old one');
      }
    }
    if (this.installed === undefined) return; // nothing valid to run yet

    await this.restarting;
    let pid = await nginx.masterPid();
    let started = false;
    if (pid === undefined) {
      pid = await this.startNginx();
      started = true;
      log.info({ pid }, 'nginx started');
    } else if (changed) {
      await nginx.reload();
      log.info({ pid }, 'nginx reloaded');
    }
    if (pid !== this.knownPid) {
      // A master we have not talked to (started, adopted or restarted behind our back): learn what it holds.
      this.held = await control.list();
      this.heldStates = await control.states();
      this.heldSites = await control.sites();
      this.heldCerts = await control.certificates();
      this.heldNames = await control.certificateNames();
      this.heldChallenges = await control.challenges();
      this.knownPid = pid;
      if (!started) log.info({ pid, apps: this.heldSites.size, states: this.heldStates.size }, 'running nginx adopted');
    }
    const states = stateChanges(desiredStateMap, this.heldStates, rendered.apps);
    const upstreams = upstreamChanges(desired.upstreams, this.held, rendered.apps);
    const sites = siteChanges(rendered.sites, this.heldSites);
    // In this order no request meets half an app: a holding state before the
    // peers go; the peers and state before the app's names answer; the names
    // gone before the peers and state go; the peers before `waking` goes.
    await this.push([
      ...states.hold.map((c): ControlChange => ({ kind: 'state', ...c })),
      ...upstreams.set.map((c): ControlChange => ({ kind: 'upstreams', ...c })),
      ...sites.set.map((c): ControlChange => ({ kind: 'site', ...c })),
      ...sites.remove.map((app): ControlChange => ({ kind: 'site', app })),
      ...upstreams.remove.map((app): ControlChange => ({ kind: 'upstreams', app })),
      ...states.release.map((c): ControlChange => ({ kind: 'state', ...c })),
    ]);
    if (sites.set.length + sites.remove.length > 0)
      log.info({ set: sites.set.length, removed: sites.remove.length, apps: this.heldSites.size }, 'apps changed');

    // Certificates and challenges after the apps, in a push of their own: a
    // certificate nginx cannot store (its dict full) fails this pass after
    // every app is served, not before. A certificate before the names that
    // use it, a name moved before its old certificate goes, so a handshake
    // finds a whole certificate, old or new.
    const certs = desiredCertificates(rendered.sites, tables.certificates, this.deps.settings.domain, this.now());
    const challenges = desiredChallenges(tables.challenges);
    this.reportCertificates(certs, challenges.invalid);
    const cc = certificateChanges(certs, this.heldCerts, this.heldNames);
    const ac = challengeChanges(challenges.challenges, this.heldChallenges);
    await this.push([
      ...ac.set.map((c): ControlChange => ({ kind: 'challenge', ...c })),
      ...cc.add.map((c): ControlChange => ({ kind: 'cert', ...c })),
      ...cc.name.map((c): ControlChange => ({ kind: 'sni', ...c })),
      ...cc.unname.map((host): ControlChange => ({ kind: 'sni', host })),
      ...cc.drop.map((version): ControlChange => ({ kind: 'cert', version })),
      ...ac.remove.map((token): ControlChange => ({ kind: 'challenge', token })),
    ]);
    if (cc.add.length + cc.name.length + cc.unname.length + cc.drop.length > 0)
      log.info(
        {
          added: cc.add.length,
          dropped: cc.drop.length,
          named: cc.name.length,
          unnamed: cc.unname.length,
          certificates: this.heldCerts.size,
          names: this.heldNames.size,
        },
        'certificates changed',
      );
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Applies the changes in order through the control endpoint, a part (BATCH_MAX changes, BATCH_BYTES) per call, and
   * records each call's as what nginx holds once it is through (a failed call throws: the pass is tried again, from
   * what nginx was told).
   */
  private async push(changes: readonly ControlChange[]): Promise<void> {
    for (const part of batchParts(changes)) {
      await this.deps.control.batch(part);
      for (const c of part) this.record(c);
    }
  }

  private record(c: ControlChange): void {
    const { log } = this.deps;
    switch (c.kind) {
      case 'state':
        if (c.state === undefined) this.heldStates.delete(c.app);
        else this.heldStates.set(c.app, c.state);
        log.info({ app: c.app, state: c.state ?? null }, 'state set');
        return;
      case 'upstreams':
        if (c.upstreams === undefined) {
          this.held.delete(c.app);
          log.info({ app: c.app }, 'upstreams removed');
        } else {
          this.held.set(c.app, [...c.upstreams]);
          log.info({ app: c.app, upstreams: c.upstreams }, 'upstreams set');
        }
        return;
      case 'site':
        if (c.site === undefined) {
          this.heldSites.delete(c.app);
          log.debug({ app: c.app }, 'site removed');
        } else {
          this.heldSites.set(c.app, c.site);
          log.debug({ app: c.app, ...c.site }, 'site set');
        }
        return;
      case 'cert':
        if (c.cert === undefined) this.heldCerts.delete(c.version);
        else this.heldCerts.add(c.version);
        log.debug({ version: c.version, stored: c.cert !== undefined }, 'certificate');
        return;
      case 'sni':
        if (c.version === undefined) this.heldNames.delete(c.host);
        else this.heldNames.set(c.host, c.version);
        log.debug({ host: c.host, version: c.version ?? null }, 'certificate of a name set');
        return;
      case 'challenge':
        if (c.keyAuthorization === undefined) this.heldChallenges.delete(c.token);
        else this.heldChallenges.set(c.token, c.keyAuthorization);
        log.info({ token: c.token, answered: c.keyAuthorization !== undefined }, 'ACME challenge');
    }
  }

  /**
   * Logs certificate records that serve nothing and invalid challenges once per distinct set; an expired certificate
   * in use once (it is still served: a client decides).
   */
  private reportCertificates(certs: ReturnType<typeof desiredCertificates>, invalidChallenges: string[]): void {
    const { log } = this.deps;
    const key = JSON.stringify([certs.unused, invalidChallenges]);
    if (key !== this.lastCertReport) {
      this.lastCertReport = key;
      for (const u of certs.unused) log.warn({ app: u.app, reason: u.reason }, 'certificate not served');
      for (const token of invalidChallenges)
        log.warn({ token }, 'ACME challenge ignored: not a token and <token>.<thumbprint>');
    }
    const expired = new Set<string>();
    for (const e of certs.expired) {
      const k = `${e.app} ${e.version}`;
      expired.add(k);
      if (!this.expiredLogged.has(k))
        log.warn({ app: e.app, notAfter: e.notAfter }, 'certificate expired; still served until it is replaced');
    }
    this.expiredLogged = expired;
  }

  /** Logs rejected names and addresses once per distinct set, not on every pass. */
  private report(
    rejected: Array<{ app: string; domain?: string; reason: string }>,
    invalid: Array<{ app: string; upstream: string }>,
  ): void {
    const key = JSON.stringify([rejected, invalid]);
    if (key === this.lastReport) return;
    this.lastReport = key;
    for (const r of rejected) {
      if (r.domain !== undefined)
        this.deps.log.warn({ app: r.app, domain: r.domain, reason: r.reason }, 'custom domain ignored');
      else this.deps.log.warn({ app: r.app, reason: r.reason }, 'route ignored');
    }
    for (const i of invalid)
      this.deps.log.warn({ app: i.app, upstream: i.upstream }, 'upstream ignored: not host:port');
  }
}
