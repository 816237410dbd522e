import type { Logger } from '../core/logger.js';
import type { Assignment } from '../core/types.js';
import type { Attacher } from './attach.js';
import {
  dockerTime,
  freshHistory,
  historyFromInstance,
  restartDecision,
  type BackoffPolicy,
  type CrashHistory,
} from './backoff.js';
import type { AgentConfig } from './config.js';
import type { Runtime } from './docker.js';
import type { Freezer } from './freezer.js';
import { answers, directTarget, listens, waitUntilUp, type CheckTarget } from './health.js';
import type { InstanceRecords, InstanceReport } from './instances.js';
import { assignedRates, Resizer } from './resize.js';
import { LABEL, containerSpec, type ContainerRef, type SpecContext } from './spec.js';
import { usageOf } from './usage.js';

// One assignment's container through its life, as the reconcile loop
// (agent.ts) meets it: created and started (or handed to `paas run`'s
// attacher), checked until it is up, adopted as it is after an agent
// restart, started again after its backoff when it exits, reported done
// when it is a one-off, given new limits as it runs when it is resized in
// place (resize.ts), put to sleep (paused while the frozen tier has room,
// freezer.ts, else stopped) and woken (unpaused, or started), and removed
// once it is no longer assigned. Every
// change is reported in its instance record (instances.ts).

export interface ContainerDeps {
  runtime: Runtime;
  instances: InstanceRecords;
  log: Logger;
  config: Pick<AgentConfig, 'hostAddress' | 'domain' | 'stopGraceSeconds' | 'healthTimeoutMs'>;
  ctx: SpecContext;
  backoff: BackoffPolicy;
  /** Runs attached one-offs (`paas run`, attach.ts); absent: they run detached. */
  attacher?: Attacher;
  /** Asks the loop for another pass: now, or in ms. */
  poke(): void;
  pokeIn(ms: number): void;
  /**
   * Tells a platform line of a container's dyno (`Sleeping`, `Waking`, `Cycling`, `Resized in place to ...`:
   * logs/shipper.ts); absent: none.
   */
  say?: (c: Pick<ContainerRef, 'id' | 'labels'>, line: string, opts?: { fresh?: boolean }) => void;
  /** The frozen containers of this host (freezer.ts); absent: sleeping containers are stopped. */
  freezer?: Freezer;
  /** The frozen tier's budget now (MB: freezer.ts frozenBudgetMb). */
  frozenBudgetMb?: () => number;
  /** Makes sure the engine has an image, fetching it from a builder when it lacks it (images.ts); absent: Docker's. */
  images?: { ensure(ref: string): Promise<unknown> };
  /** Before a container of the app starts: joins it to its add-ons' networks (addons/runner.ts join); absent: none. */
  beforeStart?: (containerId: string, app: string) => Promise<void>;
}

/** What the agent knows of one assignment's container. */
interface Tracked extends InstanceReport {
  /** Its health check, while it runs. */
  probe?: AbortController;
}

export class Containers {
  private readonly tracked = new Map<string, Tracked>();
  private readonly resizer: Resizer;

  constructor(private readonly d: ContainerDeps) {
    this.resizer = new Resizer({ runtime: d.runtime, log: d.log, ...(d.say && { say: d.say }) });
  }

  /** The restarts of each container the agent follows, by container id (kube_pod_container_status_restarts_total). */
  restarts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const t of this.tracked.values()) if (t.containerId) out.set(t.containerId, t.history.restarts);
    return out;
  }

  /** Ends every health check still running (the agent stops). */
  abortProbes(): void {
    for (const t of this.tracked.values()) t.probe?.abort();
  }

  /** A container with no assignment (or a spare one): stopped, removed, and its instance record deleted. */
  async remove(c: ContainerRef): Promise<void> {
    const id = c.labels[LABEL.assignment] ?? '';
    const app = c.labels[LABEL.app] ?? '';
    this.d.log.info({ assignment: id, container: c.id }, 'stopping container with no assignment');
    const t = this.tracked.get(id);
    if (t?.containerId === c.id) {
      t.probe?.abort();
      this.tracked.delete(id);
    }
    await this.d.runtime.stop(c.id, this.d.config.stopGraceSeconds);
    await this.d.runtime.remove(c.id);
    this.resizer.forget(c.id);
    this.d.freezer?.forget(c.id);
    if (app && id && !this.tracked.has(id)) await this.d.instances.delete(app, id);
  }

  async create(a: Assignment): Promise<void> {
    const { runtime } = this.d;
    let containerId: string;
    try {
      await this.d.images?.ensure(a.image); // an engine that did not build it: fetched and loaded first
      containerId = await runtime.create(containerSpec(a, this.d.ctx), { diskMb: a.diskMb });
    } catch (err) {
      this.d.log.error({ err, assignment: a.id, image: a.image }, 'cannot create container');
      await this.report(a, {
        app: a.app,
        containerId: '',
        port: 0,
        state: a.oneOff ? 'failed' : 'crashed',
        history: freshHistory(),
      });
      return;
    }
    this.d.log.info({ assignment: a.id, container: containerId }, 'container created');
    this.resizer.created(containerId, a);
    const ref = { id: containerId, labels: containerSpec(a, this.d.ctx).Labels };
    if (a.parked) {
      // its app sleeps: created ahead, so that waking it is only a start
      const t: Tracked = { app: a.app, containerId, port: 0, state: 'sleeping', history: freshHistory() };
      this.tracked.set(a.id, t);
      return this.report(a, t);
    }
    if (a.cause === 'lifetime') this.d.say?.(ref, 'Cycling');
    if (a.attach && this.d.attacher) {
      await this.d.beforeStart?.(containerId, a.app); // the attacher starts it once its user is there
      await this.report(a, { app: a.app, containerId, port: 0, state: 'starting', history: freshHistory() });
      return this.d.attacher.begin(a, containerId, () => this.d.poke()); // started once its user is there
    }
    await this.startAndProbe(a, containerId, freshHistory());
  }

  /** A container that exists for an assignment: adopt it, restart it, or leave it. */
  async check(a: Assignment, c: ContainerRef): Promise<void> {
    const { runtime, config } = this.d;
    if (this.d.attacher?.isPending(a.id)) return; // a `paas run` waiting for its user (attach.ts)
    await this.resizer.apply(a, c); // resized in place: new limits on the container as it is (resize.ts)
    if (a.parked) return this.sleep(a, c);
    if (c.paused) return this.thaw(a, c);
    const t = this.tracked.get(a.id);
    if (c.running && t?.containerId === c.id) {
      if (t.probe || t.state === 'up') return this.report(a, t);
      // It failed its health check: stop it; it is restarted as an exited one, after the backoff.
      this.d.log.warn({ assignment: a.id }, 'stopping unhealthy container');
      await runtime.stop(c.id, config.stopGraceSeconds);
    }
    // Not tracked yet (the agent restarted): the history an earlier agent reported.
    const history = t?.containerId === c.id ? t.history : historyFromInstance(await this.d.instances.read(a), c.id);
    const s = await runtime.inspect(c.id, a.port);
    if (s.running) {
      // Not ours yet (the agent restarted): adopt it as it is.
      const ok = !listens(a) || (s.hostPort ? await answers(a, this.target(s.hostPort)) : false);
      if (!ok) return this.startAndProbe(a, c.id, history); // start is a no-op on a running container; probes again
      const startedAt = dockerTime(s.startedAt);
      const adopted: Tracked = {
        app: a.app,
        containerId: c.id,
        port: s.hostPort ?? 0,
        ...(s.bridge && { bridge: s.bridge }),
        state: 'up',
        history: { ...history, ...(startedAt && { startedAt }) },
      };
      this.tracked.set(a.id, adopted);
      this.d.log.info({ assignment: a.id, container: c.id }, 'adopted running container');
      return this.report(a, adopted);
    }
    if ((t?.containerId === c.id ? t.state : (await this.d.instances.read(a))?.state) === 'sleeping') {
      // Its app wakes: started at once, which is neither a crash nor a restart.
      this.d.say?.(c, 'Waking', { fresh: true });
      this.d.log.info({ assignment: a.id, container: c.id }, 'waking container');
      return this.startAndProbe(a, c.id, history);
    }
    const lastExitAt = dockerTime(s.finishedAt);
    // A one-off runs once: its exit is its result, it is never started again.
    if (a.oneOff && lastExitAt) {
      const done: Tracked = {
        app: a.app,
        containerId: c.id,
        port: t?.port ?? 0,
        state: s.exitCode === 0 ? 'succeeded' : 'failed',
        history: { ...history, exitCode: s.exitCode, lastExitAt },
      };
      if (t?.state !== done.state)
        this.d.log.info({ assignment: a.id, exitCode: s.exitCode }, 'one-off container exited');
      this.tracked.set(a.id, done);
      return this.report(a, done);
    }
    // Exited (or never started): report it crashed, start it again after the backoff.
    const exited: CrashHistory = lastExitAt ? { ...history, exitCode: s.exitCode, lastExitAt } : history;
    const crashed: Tracked = { app: a.app, containerId: c.id, port: t?.port ?? 0, state: 'crashed', history: exited };
    t?.probe?.abort();
    this.tracked.set(a.id, crashed);
    await this.report(a, crashed);
    const d = restartDecision(history.backoff, s, Date.now(), this.d.backoff);
    if (d.waitMs > 0) return this.d.pokeIn(d.waitMs);
    this.d.log.warn(
      { assignment: a.id, exitCode: s.exitCode, restarts: history.restarts + 1, delayMs: d.delayMs },
      'restarting exited container',
    );
    await this.startAndProbe(a, c.id, { ...exited, restarts: exited.restarts + 1, backoff: d.streak });
  }

  /** Its app sleeps: the container is stopped (when it runs) and kept, reported sleeping. */
  private async sleep(a: Assignment, c: ContainerRef): Promise<void> {
    const t = this.tracked.get(a.id);
    if (c.running) {
      this.d.say?.(c, 'Sleeping');
      t?.probe?.abort();
      if (a.cold || !(await this.freeze(a, c))) {
        this.d.log.info({ assignment: a.id, container: c.id }, 'putting container to sleep');
        await this.d.runtime.stop(c.id, this.d.config.stopGraceSeconds);
      }
    } else if (c.paused && !this.d.freezer?.has(c.id)) {
      this.frozen(c.id, Date.now()); // found frozen: the agent restarted
    } else if (t?.containerId === c.id && t.state === 'sleeping') return;
    const history = t?.containerId === c.id ? t.history : historyFromInstance(await this.d.instances.read(a), c.id);
    const asleep: Tracked = { app: a.app, containerId: c.id, port: 0, state: 'sleeping', history };
    this.tracked.set(a.id, asleep);
    await this.report(a, asleep);
  }

  /**
   * Pauses a running container going to sleep when the frozen tier has room, so that its wake is an unpause; false:
   * it is to be stopped. Its memory is measured once it is paused (a stats sample takes a second: not on the loop),
   * and the next pass stops the oldest frozen ones that no longer fit (agent.ts).
   */
  private async freeze(a: Assignment, c: ContainerRef): Promise<boolean> {
    const { freezer, frozenBudgetMb } = this.d;
    if (!freezer || !frozenBudgetMb || freezer.heldMb() >= frozenBudgetMb()) return false;
    try {
      await this.d.runtime.pause(c.id);
    } catch (err) {
      this.d.log.warn({ err, assignment: a.id, container: c.id }, 'cannot pause container; stopping it');
      return false;
    }
    this.d.log.info({ assignment: a.id, container: c.id }, 'putting container to sleep, frozen');
    this.frozen(c.id, Date.now());
    return true;
  }

  /** Notes a paused container in the freezer, then its memory once measured (and asks for a pass to fit the budget). */
  private frozen(id: string, at: number): void {
    const freezer = this.d.freezer;
    if (!freezer) return;
    freezer.note({ id, mb: 0, at });
    void this.d.runtime
      .stats(id)
      .then((s) => {
        if (!s || !freezer.has(id)) return;
        freezer.note({ id, mb: Math.ceil(usageOf(s).memoryMb), at });
        this.d.poke();
      })
      .catch((err: unknown) => this.d.log.warn({ err, container: id }, 'cannot measure a frozen container'));
  }

  /** Its app wakes and its container is frozen: unpaused, which is neither a crash nor a restart; checked as a start. */
  private async thaw(a: Assignment, c: ContainerRef): Promise<void> {
    const t = this.tracked.get(a.id);
    this.d.say?.(c, 'Waking', { fresh: true });
    this.d.log.info({ assignment: a.id, container: c.id }, 'waking frozen container');
    this.d.freezer?.forget(c.id);
    const history = t?.containerId === c.id ? t.history : historyFromInstance(await this.d.instances.read(a), c.id);
    return this.startAndProbe(a, c.id, history, { thaw: true });
  }

  /** Stops a frozen container (the frozen tier is over its budget): it sleeps on, to be woken by a start. */
  async unfreeze(id: string): Promise<void> {
    this.d.freezer?.forget(id);
    this.d.log.info({ container: id }, 'stopping frozen container: over the frozen budget');
    await this.d.runtime.stop(id, this.d.config.stopGraceSeconds);
  }

  /**
   * Starts the container (or unpauses it: `thaw`), reports it starting, and checks a web one in the background until
   * it is up or crashed.
   */
  private async startAndProbe(
    a: Assignment,
    containerId: string,
    history: CrashHistory,
    opts: { thaw?: boolean } = {},
  ): Promise<void> {
    const { runtime, config } = this.d;
    try {
      if (opts.thaw) await runtime.unpause(containerId);
      else {
        await this.d.beforeStart?.(containerId, a.app);
        await runtime.start(containerId, { rates: assignedRates(a) }); // its assignment's: it may have been resized
      }
    } catch (err) {
      this.d.log.error({ err, assignment: a.id }, 'cannot start container');
      await this.report(a, { app: a.app, containerId, port: 0, state: a.oneOff ? 'failed' : 'crashed', history });
      return;
    }
    const s = await runtime.inspect(containerId, a.port);
    const startedAt = dockerTime(s.startedAt);
    const t: Tracked = {
      app: a.app,
      containerId,
      port: s.hostPort ?? 0,
      ...(s.bridge && { bridge: s.bridge }),
      state: 'starting',
      history: { ...history, ...(startedAt && { startedAt }) },
    };
    this.tracked.get(a.id)?.probe?.abort();
    this.tracked.set(a.id, t);
    // Checked while `starting` is written (a wake waits on the check, not on etcd).
    const starting = this.report(a, t);
    if (!s.running) return starting; // exited already: the next pass sees it
    if (!listens(a)) {
      // Only web processes listen on PORT: the others are up once they run
      // (one that exits is seen as crashed by the next pass).
      await starting;
      t.state = 'up';
      return this.report(a, t);
    }
    if (!s.hostPort) return starting;
    const probe = new AbortController();
    t.probe = probe;
    const hc = a.healthcheck;
    const deadline = Date.now() + config.healthTimeoutMs;
    // Its own address when it has one (refused until the app listens: tried every few ms), else the published port.
    const target = directTarget(s.bridge, config.domain) ?? this.target(s.hostPort);
    void waitUntilUp(a, target, { deadline, signal: probe.signal })
      .then(async (ok) => {
        await starting.catch(() => undefined); // `up` is written after `starting`
        if (probe.signal.aborted || this.tracked.get(a.id) !== t) return;
        t.probe = undefined;
        t.state = ok ? 'up' : 'crashed';
        if (!ok)
          this.d.log.warn(
            { assignment: a.id, path: hc?.path },
            hc ? `GET ${hc.path} did not answer 2xx/3xx` : `port did not answer within ${config.healthTimeoutMs} ms`,
          );
        else this.d.log.info({ assignment: a.id, port: t.port }, 'instance up');
        await this.report(a, t);
        if (!ok) this.d.poke();
      })
      .catch((err: unknown) => this.d.log.error({ err, assignment: a.id }, 'health check failed'));
    await starting;
  }

  private target(port: number): CheckTarget {
    return { address: this.d.config.hostAddress, port, domain: this.d.config.domain };
  }

  private report(a: Assignment, t: InstanceReport): Promise<void> {
    return this.d.instances.write(a, t);
  }
}
