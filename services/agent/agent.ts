import type { Logger } from '../core/logger.js';
import type { Store } from '../core/store.js';
import type { Assignment, Instance, InstanceState } from '../core/types.js';
import type { Attacher } from './attach.js';
import type { AgentConfig } from './config.js';
import type { Runtime } from './docker.js';
import { httpCheck, tcpAccepts, waitForHttp, waitForPort } from './health.js';
import { dockerTime, freshHistory, historyFromInstance, restartDecision, type BackoffPolicy, type CrashHistory } from './backoff.js';
import { measureUsage } from './usage.js';
import { register, type Registration } from './registration.js';
import { LABEL, containerSpec, diffContainers, ownerLabels, type ContainerRef, type SpecContext } from './spec.js';

// The agent's reconcile loop: the assignments in etcd for this host (desired)
// against the containers Docker runs with this host's labels (actual). It
// creates what is missing, removes what is no longer assigned, restarts what
// exited, and reports each container as an Instance under its host lease.

/** What the loop reads of the agent's config (config.ts, where every default is): main.ts passes the config itself. */
export type AgentSettings = Pick<
  AgentConfig,
  | 'cluster'
  | 'hostId'
  | 'hostAddress'
  | 'tags'
  | 'memoryMb'
  | 'cpus'
  | 'leaseTtlSeconds'
  | 'resyncMs'
  | 'stopGraceSeconds'
  | 'healthTimeoutMs'
  | 'restartDelayMs'
  | 'restartMaxDelayMs'
  | 'restartResetMs'
  | 'usageMs'
  | 'domain'
  | 'orphanGraceMs'
  | 'pidsLimit'
>;

export interface AgentDeps {
  store: Store;
  runtime: Runtime;
  log: Logger;
  config: Readonly<AgentSettings>;
  /** Runs attached one-offs (`paas run`, attach.ts); absent: they run detached. */
  attacher?: Attacher;
  /** The Docker network containers join (network.ts); absent: the default bridge. */
  network?: string;
}

/** What the agent knows of one assignment's container. */
interface Tracked {
  app: string;
  containerId: string;
  port: number;
  /** Its address on the Docker network while it runs (Instance.bridge). */
  bridge?: string;
  state: InstanceState;
  probe?: AbortController;
  /** Restarts, last exit, start time: reported in the instance (backoff.ts). */
  history: CrashHistory;
}

export interface RunningAgent {
  /** Reconciles once more now. */
  poke(): void;
  /** Stops the loop, leaving containers running and records to expire with the lease. */
  stop(): Promise<void>;
}

export function startAgent(deps: AgentDeps): RunningAgent {
  return new Agent(deps).start();
}

class Agent {
  private readonly log: Logger;
  private readonly ctx: SpecContext;
  private readonly backoff: BackoffPolicy;
  private lastUsage = '';
  private lastSweep = 0;
  private readonly tracked = new Map<string, Tracked>();
  /** JSON of the last instance written per assignment, under the lease generation `writtenGen`. */
  private readonly written = new Map<string, string>();
  private writtenGen = 0;
  private registration!: Registration;
  private running = false;
  private again = false;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private later: NodeJS.Timeout | undefined;
  private unwatch: (() => Promise<void>) | undefined;
  private unwatchDocker: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AgentDeps) {
    this.log = deps.log.child({ module: 'agent', host: deps.config.hostId });
    const c = deps.config;
    this.ctx = { cluster: c.cluster, hostId: c.hostId, hostAddress: c.hostAddress, pidsLimit: c.pidsLimit, ...(deps.network && { network: deps.network }) };
    this.backoff = { baseMs: c.restartDelayMs, maxMs: c.restartMaxDelayMs, resetAfterMs: c.restartResetMs };
  }

  start(): RunningAgent {
    const { store, config } = this.deps;
    this.registration = register({
      store,
      log: this.log,
      host: { id: config.hostId, address: config.hostAddress, tags: config.tags, capacity: { memoryMb: config.memoryMb, cpus: config.cpus } },
      ttlSeconds: config.leaseTtlSeconds,
      onRegistered: () => this.poke(),
    });
    store
      .watchPrefixes([store.keys.assignments(config.hostId)], () => this.poke())
      .then((u) => (this.stopped ? void u() : (this.unwatch = u)))
      .catch((err: unknown) => this.log.error({ err }, 'cannot watch assignments'));
    this.deps.runtime
      .watchExits(ownerLabels(this.ctx), () => this.poke())
      .then((u) => (this.stopped ? u() : (this.unwatchDocker = u)))
      .catch((err: unknown) => this.log.warn({ err }, 'cannot watch Docker events; relying on the timer'));
    this.timers.push(setInterval(() => this.poke(), config.resyncMs));
    this.timers.push(setInterval(() => void this.reportUsage(), config.usageMs));
    return { poke: () => this.poke(), stop: () => this.stop() };
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.later) clearTimeout(this.later);
    for (const t of this.tracked.values()) t.probe?.abort();
    this.unwatchDocker?.();
    await this.unwatch?.();
    await this.loop;
    this.registration.close();
  }

  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.loop = (async () => {
      do {
        this.again = false;
        try {
          await this.reconcile();
        } catch (err) {
          this.log.error({ err }, 'reconcile failed');
        }
      } while (this.again && !this.stopped);
      this.running = false;
    })();
  }

  /** Reconciles again after ms (the earliest of all requests wins). */
  private pokeIn(ms: number): void {
    if (this.later) clearTimeout(this.later);
    this.later = setTimeout(() => this.poke(), ms + 10);
  }

  /** Host.used: the sum of `docker stats` of the running containers; skipped while none runs and zero was reported. */
  private async reportUsage(): Promise<void> {
    if (this.stopped || !this.registration.lease()) return;
    try {
      const running = (await this.deps.runtime.list(ownerLabels(this.ctx))).filter((c) => c.running).map((c) => c.id);
      const key = `${this.registration.generation()}`;
      if (running.length === 0 && this.lastUsage === `${key}:0`) return;
      const used = await measureUsage(this.deps.runtime, running, this.log);
      if (this.stopped) return;
      await this.registration.reportUsage(used);
      this.lastUsage = running.length === 0 ? `${key}:0` : '';
    } catch (err) {
      this.log.warn({ err }, 'cannot report host usage');
    }
  }

  private async reconcile(): Promise<void> {
    const { store, runtime, config } = this.deps;
    if (!this.registration.lease()) return; // registered first; onRegistered pokes
    if (this.writtenGen !== this.registration.generation()) {
      this.written.clear(); // a new lease: write every instance again
      this.writtenGen = this.registration.generation();
    }
    const assignments = await store.list<Assignment>(store.keys.assignments(config.hostId));
    const containers = await runtime.list(ownerLabels(this.ctx));
    const diff = diffContainers(assignments, containers);

    if (runtime.sweepDisks && Date.now() - this.lastSweep > 60_000) {
      this.lastSweep = Date.now();
      await runtime.sweepDisks(new Set(containers.map((c) => c.id))).catch((err: unknown) => this.log.warn({ err }, 'cannot sweep layer filesystems'));
    }
    const inGrace = Date.now() < this.registration.registeredAt() + config.orphanGraceMs;
    for (const c of diff.remove) {
      if (inGrace && !diff.matched.some((m) => m.assignment.id === c.labels[LABEL.assignment])) {
        this.pokeIn(this.registration.registeredAt() + config.orphanGraceMs - Date.now());
        continue;
      }
      await this.removeContainer(c);
    }
    for (const a of diff.create) await this.createContainer(a);
    for (const { assignment, container } of diff.matched) await this.check(assignment, container);
  }

  private async removeContainer(c: ContainerRef): Promise<void> {
    const id = c.labels[LABEL.assignment] ?? '';
    const app = c.labels[LABEL.app] ?? '';
    this.log.info({ assignment: id, container: c.id }, 'stopping container with no assignment');
    const t = this.tracked.get(id);
    if (t?.containerId === c.id) {
      t.probe?.abort();
      this.tracked.delete(id);
    }
    await this.deps.runtime.stop(c.id, this.deps.config.stopGraceSeconds);
    await this.deps.runtime.remove(c.id);
    if (app && id && !this.tracked.has(id)) {
      // Only our own record: an assignment moved to another host (this one was
      // lost) has the same instance key there, and that container is live.
      const { store } = this.deps;
      const key = store.keys.instance(app, id);
      const cur = await store.getVersioned<Instance>(key);
      if (cur?.value.host === this.deps.config.hostId) await store.commit([{ key, modRevision: cur.modRevision }], [{ delete: key }]);
      this.written.delete(id);
    }
  }

  private async createContainer(a: Assignment): Promise<void> {
    const { runtime } = this.deps;
    let containerId: string;
    try {
      containerId = await runtime.create(containerSpec(a, this.ctx), { diskMb: a.diskMb });
    } catch (err) {
      this.log.error({ err, assignment: a.id, image: a.image }, 'cannot create container');
      await this.report(a, { app: a.app, containerId: '', port: 0, state: a.oneOff ? 'failed' : 'crashed', history: freshHistory() });
      return;
    }
    this.log.info({ assignment: a.id, container: containerId }, 'container created');
    if (a.attach && this.deps.attacher) {
      await this.report(a, { app: a.app, containerId, port: 0, state: 'starting', history: freshHistory() });
      return this.deps.attacher.begin(a, containerId, () => this.poke()); // started once its user is there
    }
    await this.startAndProbe(a, containerId, freshHistory());
  }

  private async startAndProbe(a: Assignment, containerId: string, history: CrashHistory): Promise<void> {
    const { runtime, config } = this.deps;
    try {
      await runtime.start(containerId);
    } catch (err) {
      this.log.error({ err, assignment: a.id }, 'cannot start container');
      await this.report(a, { app: a.app, containerId, port: 0, state: a.oneOff ? 'failed' : 'crashed', history });
      return;
    }
    const s = await runtime.inspect(containerId, a.port);
    const startedAt = dockerTime(s.startedAt);
    const t: Tracked = { app: a.app, containerId, port: s.hostPort ?? 0, ...(s.bridge && { bridge: s.bridge }), state: 'starting', history: { ...history, ...(startedAt && { startedAt }) } };
    this.tracked.get(a.id)?.probe?.abort();
    this.tracked.set(a.id, t);
    await this.report(a, t);
    if (!s.running) return; // exited already: the next pass sees it
    if (!listens(a)) {
      // Only web processes listen on PORT: the others are up once they run
      // (one that exits is seen as crashed by the next pass).
      t.state = 'up';
      return this.report(a, t);
    }
    if (!s.hostPort) return;
    const probe = new AbortController();
    t.probe = probe;
    const deadline = Date.now() + config.healthTimeoutMs;
    const hc = a.healthcheck;
    void (
      hc
        ? waitForHttp({ ...this.httpTarget(a, hc, s.hostPort), ...(hc.attempts && { attempts: hc.attempts }), deadline, signal: probe.signal })
        : waitForPort({ address: config.hostAddress, port: s.hostPort, deadline, signal: probe.signal })
    )
      .then(async (ok) => {
        if (probe.signal.aborted || this.tracked.get(a.id) !== t) return;
        t.probe = undefined;
        t.state = ok ? 'up' : 'crashed';
        if (!ok) this.log.warn({ assignment: a.id, path: hc?.path }, hc ? `GET ${hc.path} did not answer 2xx/3xx` : `port did not answer within ${config.healthTimeoutMs} ms`);
        else this.log.info({ assignment: a.id, port: t.port }, 'instance up');
        await this.report(a, t);
        if (!ok) this.poke();
      })
      .catch((err: unknown) => this.log.error({ err, assignment: a.id }, 'health check failed'));
  }

  /** A container that exists for an assignment: adopt it, restart it, or leave it. */
  private async check(a: Assignment, c: ContainerRef): Promise<void> {
    const { runtime, config } = this.deps;
    if (this.deps.attacher?.isPending(a.id)) return; // a `paas run` waiting for its user (attach.ts)
    const t = this.tracked.get(a.id);
    if (c.running && t?.containerId === c.id) {
      if (t.probe || t.state === 'up') return this.report(a, t);
      // It failed its health check: stop it; it is restarted as an exited one, after the backoff.
      this.log.warn({ assignment: a.id }, 'stopping unhealthy container');
      await runtime.stop(c.id, config.stopGraceSeconds);
    }
    // Not tracked yet (the agent restarted): the history an earlier agent reported.
    const history = t?.containerId === c.id ? t.history : historyFromInstance(await this.deps.store.get<Instance>(this.deps.store.keys.instance(a.app, a.id)), c.id);
    const s = await runtime.inspect(c.id, a.port);
    if (s.running) {
      // Not ours yet (the agent restarted): adopt it as it is.
      const ok = !listens(a) || (s.hostPort ? await this.answers(a, s.hostPort) : false);
      if (!ok) return this.startAndProbe(a, c.id, history); // start is a no-op on a running container; probes again
      const startedAt = dockerTime(s.startedAt);
      const adopted: Tracked = { app: a.app, containerId: c.id, port: s.hostPort ?? 0, ...(s.bridge && { bridge: s.bridge }), state: 'up', history: { ...history, ...(startedAt && { startedAt }) } };
      this.tracked.set(a.id, adopted);
      this.log.info({ assignment: a.id, container: c.id }, 'adopted running container');
      return this.report(a, adopted);
    }
    const lastExitAt = dockerTime(s.finishedAt);
    // A one-off runs once: its exit is its result, it is never started again.
    if (a.oneOff && lastExitAt) {
      const done: Tracked = { app: a.app, containerId: c.id, port: t?.port ?? 0, state: s.exitCode === 0 ? 'succeeded' : 'failed', history: { ...history, exitCode: s.exitCode, lastExitAt } };
      if (t?.state !== done.state) this.log.info({ assignment: a.id, exitCode: s.exitCode }, 'one-off container exited');
      this.tracked.set(a.id, done);
      return this.report(a, done);
    }
    // Exited (or never started): report it crashed, start it again after the backoff.
    const exited: CrashHistory = lastExitAt ? { ...history, exitCode: s.exitCode, lastExitAt } : history;
    const crashed: Tracked = { app: a.app, containerId: c.id, port: t?.port ?? 0, state: 'crashed', history: exited };
    t?.probe?.abort();
    this.tracked.set(a.id, crashed);
    await this.report(a, crashed);
    const d = restartDecision(history.backoff, s, Date.now(), this.backoff);
    if (d.waitMs > 0) return this.pokeIn(d.waitMs);
    this.log.warn({ assignment: a.id, exitCode: s.exitCode, restarts: history.restarts + 1, delayMs: d.delayMs }, 'restarting exited container');
    await this.startAndProbe(a, c.id, { ...exited, restarts: exited.restarts + 1, backoff: d.streak });
  }

  /** One check of an adopted web container: its HTTP path when the release declares one, else its port. */
  private async answers(a: Assignment, port: number): Promise<boolean> {
    const { config } = this.deps;
    const hc = a.healthcheck;
    if (!hc) return tcpAccepts(config.hostAddress, port);
    return (await httpCheck(this.httpTarget(a, hc, port))) === 'ok';
  }

  /** What one HTTP health check of the container asks: its path, with the app's Host header, within the release's timeout. */
  private httpTarget(a: Assignment, hc: NonNullable<Assignment['healthcheck']>, port: number) {
    const { config } = this.deps;
    return { address: config.hostAddress, port, path: hc.path, host: `${a.app}.${config.domain}`, timeoutMs: (hc.timeoutS ?? 5) * 1000 };
  }

  /** Writes the instance record under the host lease, if it changed. */
  private async report(a: Assignment, t: Pick<Tracked, 'app' | 'containerId' | 'port' | 'bridge' | 'state' | 'history'>): Promise<void> {
    const lease = this.registration.lease();
    if (!lease) return;
    const { config, store } = this.deps;
    const body = { id: a.id, host: config.hostId, app: a.app, release: a.release, type: a.type, state: t.state, containerId: t.containerId, address: config.hostAddress, port: t.port, ...(t.bridge && { bridge: t.bridge }), ...t.history };
    const json = JSON.stringify(body);
    if (this.written.get(a.id) === json) return;
    const instance: Instance = { ...body, updatedAt: new Date().toISOString() };
    await store.put(store.keys.instance(a.app, a.id), instance, lease);
    this.written.set(a.id, json);
  }
}

/** Whether the process must answer on its port to be up: web processes only, as on Heroku. */
function listens(a: Assignment): boolean {
  return a.type === 'web';
}
