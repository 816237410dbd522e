import type { Logger } from '../core/logger.js';
import type { Store } from '../core/store.js';
import type { StoredRoute } from '../core/routes.js';
import type { RouteState } from '../core/types.js';
import type { UpstreamControl } from './control.js';
import { desiredStates, desiredUpstreams, sitesOf, stateChanges, upstreamChanges } from './model.js';
import { NginxError, type Nginx } from './nginx.js';
import { appAtLine, renderNginx, type NginxModel } from './render.js';

// The reconcile loop: routes in etcd -> nginx. The set of apps, their custom
// domains and maintenance flags decide the config (render, check, swap,
// reload only when it changes); the upstreams of each app and the state of
// one without (sleeping, waking, crashed) go to nginx's Lua through the
// control endpoint, so a blue-green swap, a sleep or a wake reloads nothing.

export interface RouteTable {
  routes(): Promise<StoredRoute[]>;
  /** Calls onChange on every change (debounced) and once at start; returns a function that stops watching. */
  watch(onChange: () => void): Promise<() => Promise<void>>;
}

export function storeRouteTable(store: Store): RouteTable {
  return {
    routes: () => store.list<StoredRoute>(store.keys.routes()),
    watch: (onChange) => store.watchPrefixes([store.keys.routes()], onChange),
  };
}

export interface RouterDeps {
  table: RouteTable;
  nginx: Nginx;
  control: UpstreamControl;
  log: Logger;
  /** Everything the renderer needs but the apps. */
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

  constructor(private readonly deps: RouterDeps) {}

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
    const { nginx, control, log } = this.deps;
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
        for (const [app, upstreams] of this.held) {
          await control.set(app, upstreams).catch((err: unknown) => {
            this.held.delete(app);
            log.error({ err, app }, 'cannot set upstreams');
          });
        }
        for (const [app, state] of this.heldStates) {
          await control.setState(app, state).catch((err: unknown) => {
            this.heldStates.delete(app);
            log.error({ err, app }, 'cannot set the state');
          });
        }
        this.knownPid = pid;
        log.info({ pid, apps: this.held.size, states: this.heldStates.size }, 'nginx started again');
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
      try {
        await this.reconcile();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        const delay = Math.min(this.deps.resyncMs, 250 * 2 ** Math.min(this.failures, 8));
        this.deps.log.error({ err, retryInMs: delay }, 'router pass failed');
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.trigger(), delay);
      }
    } while (this.again && !this.stopped);
  }

  /** One pass: routes -> config (maybe reload or start) -> upstreams. */
  async reconcile(): Promise<void> {
    const { nginx, control, log } = this.deps;
    const routes = await this.deps.table.routes();
    const desired = desiredUpstreams(routes, this.deps.hostId);
    this.dynosBefore = this.dynos;
    this.dynos = desired.dynos;
    const rendered = renderNginx({ ...this.deps.settings, apps: sitesOf(routes) });
    this.report(rendered.rejected, desired.invalid);
    const states = desiredStates(routes);
    this.served = new Set(rendered.apps);
    this.states = states;
    this.sinces = new Map(
      routes.flatMap((r) =>
        states.get(r.app) === 'sleeping' && typeof r.since === 'string' ? [[r.app, r.since]] : [],
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
        log.info({ apps: rendered.apps.length }, 'nginx config installed');
      } catch (err) {
        if (!(err instanceof NginxError)) throw err;
        this.failed = rendered.config;
        const app = err.line === undefined ? undefined : appAtLine(rendered.config, err.line);
        log.error(
          { app, apps: rendered.apps, output: err.output.trim() },
          'nginx rejected the new config; keeping the old one',
        );
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
      log.info({ pid, apps: rendered.apps.length }, 'nginx reloaded');
    }
    if (pid !== this.knownPid) {
      // A master we have not talked to (started, adopted or restarted behind our back): learn what it holds.
      this.held = await control.list();
      this.heldStates = await control.states();
      this.knownPid = pid;
      if (!started) log.info({ pid, apps: this.held.size, states: this.heldStates.size }, 'running nginx adopted');
    }
    const changes = stateChanges(states, this.heldStates, rendered.apps);
    let failed = await this.pushStates(changes.hold);
    failed += await this.push(desired.upstreams, rendered.apps);
    failed += await this.pushStates(changes.release);
    if (failed > 0) throw new Error(`${failed} upstream or state change(s) failed`);
  }

  /** Sets (or, with no state, removes) the states of apps; the count of failed calls. */
  private async pushStates(changes: ReadonlyArray<{ app: string; state?: RouteState }>): Promise<number> {
    const { control, log } = this.deps;
    let failed = 0;
    for (const { app, state } of changes) {
      try {
        if (state === undefined) {
          await control.removeState(app);
          this.heldStates.delete(app);
        } else {
          await control.setState(app, state);
          this.heldStates.set(app, state);
        }
        log.info({ app, state: state ?? null }, 'state set');
      } catch (err) {
        failed++;
        log.error({ err, app }, 'cannot set the state');
      }
    }
    return failed;
  }

  /** Upstream changes; the count of failed calls. */
  private async push(desired: Map<string, string[]>, apps: string[]): Promise<number> {
    const { control, log } = this.deps;
    const changes = upstreamChanges(desired, this.held, apps);
    let failed = 0;
    for (const { app, upstreams } of changes.set) {
      try {
        await control.set(app, upstreams);
        this.held.set(app, upstreams);
        log.info({ app, upstreams }, 'upstreams set');
      } catch (err) {
        failed++;
        log.error({ err, app }, 'cannot set upstreams');
      }
    }
    for (const app of changes.remove) {
      try {
        await control.remove(app);
        this.held.delete(app);
        log.info({ app }, 'upstreams removed');
      } catch (err) {
        failed++;
        log.error({ err, app }, 'cannot remove upstreams');
      }
    }
    return failed;
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
