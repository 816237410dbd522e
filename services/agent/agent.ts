import type { Logger } from '../core/logger.js';
import { Passes } from './passes.js';
import { eachLimited } from '../core/pool.js';
import type { Mirror, Store } from '../core/store.js';
import type { Assignment } from '../core/types.js';
import type { Attacher } from './attach.js';
import type { AgentConfig } from './config.js';
import { Containers, type ContainerDeps } from './containers.js';
import type { Runtime } from './docker.js';
import { Freezer, frozenBudgetMb } from './freezer.js';
import { InstanceRecords } from './instances.js';
import { register, type Registration } from './registration.js';
import { LABEL, diffContainers, keepParked, ownerLabels, type SpecContext } from './spec.js';
import { startUsageReports } from './usage.js';

// The agent's reconcile loop: the assignments in etcd for this host (desired)
// against the containers Docker runs with this host's labels (actual). A pass
// runs when the assignments change, a container exits, and every resyncMs; it
// removes what is no longer assigned, creates what is missing, and checks the rest
// (containers.ts: adopt, restart, report), each container reported as an
// Instance under the host lease (registration.ts, instances.ts).

/** What the loop reads of the agent's config (config.ts, where every default is): start.ts passes the config itself. */
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
  | 'parkedContainers'
  | 'frozenMb'
  | 'startConcurrency'
  | 'pidsLimit'
>;

export interface AgentDeps {
  store: Store;
  runtime: Runtime;
  log: Logger;
  config: Readonly<AgentSettings>;
  /** Runs attached one-offs (`paas run`, attach.ts); absent: they run detached. */
  attacher?: Attacher;
  /** The Docker network containers join (isolation/network.ts); absent: the default bridge. */
  network?: string;
  /** Platform lines of the agent's own in a dyno's log (`Sleeping`, `Waking`, `Resized in place ...`); absent: none. */
  say?: ContainerDeps['say'];
  /** Fetches the images its engine lacks from a builder (images.ts); absent: the engine must have them. */
  images?: ContainerDeps['images'];
  /** Before a container starts (its add-ons' networks joined: addons/runner.ts); absent: none. */
  beforeStart?: ContainerDeps['beforeStart'];
}

export interface RunningAgent {
  /** Reconciles once more now. */
  poke(): void;
  /** Stops the loop, leaving containers running and records to expire with the lease. */
  stop(): Promise<void>;
  /** The restarts of each container it follows, by container id (its crash history: backoff.ts). */
  restarts(): Map<string, number>;
}

/** After a container's \`die\` event, passes at these delays (ms) besides one at once (Agent.pokeAfterExit). */
const EXIT_REPOKE_MS = [150, 1000];

export function startAgent(deps: AgentDeps): RunningAgent {
  return new Agent(deps).start();
}

class Agent {
  private readonly log: Logger;
  private readonly ctx: SpecContext;
  private lastSweep = 0;
  private registration!: Registration;
  private instances!: InstanceRecords;
  private containers!: Containers;
  private stopped = false;
  private readonly passes = new Passes(
    () => this.reconcile(),
    (err) => this.log.error({ err }, 'reconcile failed'),
  );
  private timers: NodeJS.Timeout[] = [];
  /** The passes asked after a container died (pokeAfterExit), cleared at stop. */
  private readonly exitTimers = new Set<NodeJS.Timeout>();
  private later: NodeJS.Timeout | undefined;
  /** This host's assignments, kept current (core/mirror.ts): a pass reads them with no round trip. */
  private mirror: Mirror | undefined;
  private unwatchDocker: (() => void) | undefined;
  private stopUsage: (() => void) | undefined;
  /** Containers paused asleep (freezer.ts), and the budget the last pass found for them. */
  private readonly freezer = new Freezer();
  private frozenBudget = 0;

  constructor(private readonly deps: AgentDeps) {
    this.log = deps.log.child({ module: 'agent', host: deps.config.hostId });
    const c = deps.config;
    this.ctx = {
      cluster: c.cluster,
      hostId: c.hostId,
      hostAddress: c.hostAddress,
      pidsLimit: c.pidsLimit,
      ...(deps.network && { network: deps.network }),
    };
  }

  start(): RunningAgent {
    const { store, runtime, config } = this.deps;
    this.registration = register({
      store,
      log: this.log,
      host: {
        id: config.hostId,
        address: config.hostAddress,
        tags: config.tags,
        capacity: { memoryMb: config.memoryMb, cpus: config.cpus },
      },
      ttlSeconds: config.leaseTtlSeconds,
      onRegistered: () => this.poke(),
    });
    this.instances = new InstanceRecords(store, this.registration, config);
    this.containers = new Containers({
      runtime,
      instances: this.instances,
      log: this.log,
      config,
      ctx: this.ctx,
      backoff: { baseMs: config.restartDelayMs, maxMs: config.restartMaxDelayMs, resetAfterMs: config.restartResetMs },
      ...(this.deps.attacher && { attacher: this.deps.attacher }),
      poke: () => this.poke(),
      pokeIn: (ms) => this.pokeIn(ms),
      ...(this.deps.say && { say: this.deps.say }),
      ...(this.deps.images && { images: this.deps.images }),
      ...(this.deps.beforeStart && { beforeStart: this.deps.beforeStart }),
      freezer: this.freezer,
      frozenBudgetMb: () => this.frozenBudget,
    });
    store
      .mirror([store.keys.assignments(config.hostId)], () => this.poke())
      .then((m) => (this.stopped ? void m.close() : (this.mirror = m)))
      .catch((err: unknown) => this.log.error({ err }, 'cannot watch assignments'));
    runtime
      .watchExits(ownerLabels(this.ctx), () => this.pokeAfterExit())
      .then((u) => (this.stopped ? u() : (this.unwatchDocker = u)))
      .catch((err: unknown) => this.log.warn({ err }, 'cannot watch Docker events; relying on the timer'));
    this.timers.push(setInterval(() => this.poke(), config.resyncMs));
    const labels = ownerLabels(this.ctx);
    this.stopUsage = startUsageReports({
      runtime,
      labels,
      registration: this.registration,
      everyMs: config.usageMs,
      log: this.log,
    });
    return { poke: () => this.poke(), stop: () => this.stop(), restarts: () => this.containers.restarts() };
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    const idle = this.passes.stop();
    for (const t of this.timers) clearInterval(t);
    for (const t of this.exitTimers) clearTimeout(t);
    this.stopUsage?.();
    if (this.later) clearTimeout(this.later);
    this.containers.abortProbes();
    this.unwatchDocker?.();
    await this.mirror?.close();
    await idle;
    this.registration.close();
  }

  poke(): void {
    this.passes.poke();
  }

  /**
   * A container died: reconciles now and again shortly, since Docker's container list still says `running` for some
   * 50-70 ms after its `die` event (measured on Docker 20.10), and a pass that saw it running would otherwise wait for
   * the resync timer (PAAS_AGENT_RESYNC_MS) to see a one-off's result or a crash.
   */
  private pokeAfterExit(): void {
    this.poke();
    for (const ms of EXIT_REPOKE_MS) {
      const t = setTimeout(() => {
        this.exitTimers.delete(t);
        this.poke();
      }, ms);
      this.exitTimers.add(t);
    }
  }

  /** Reconciles again after ms (the earliest of all requests wins). */
  private pokeIn(ms: number): void {
    if (this.later) clearTimeout(this.later);
    this.later = setTimeout(() => this.poke(), ms + 10);
  }

  private async reconcile(): Promise<void> {
    const { store, runtime, config } = this.deps;
    if (!this.registration.lease()) return; // registered first; onRegistered pokes
    this.instances.sync();
    const prefix = store.keys.assignments(config.hostId);
    const assignments = this.mirror ? this.mirror.list<Assignment>(prefix) : await store.list<Assignment>(prefix);
    const containers = await runtime.list(ownerLabels(this.ctx));
    const diff = keepParked(diffContainers(assignments, containers), config.parkedContainers);
    const runningMb = assignments.reduce((n, a) => (a.parked ? n : n + a.memoryMb), 0);
    this.frozenBudget = frozenBudgetMb(config.frozenMb, config.memoryMb, runningMb);

    if (runtime.sweepDisks && Date.now() - this.lastSweep > 60_000) {
      this.lastSweep = Date.now();
      await runtime
        .sweepDisks(new Set(containers.map((c) => c.id)))
        .catch((err: unknown) => this.log.warn({ err }, 'cannot sweep layer filesystems'));
    }
    // Just registered: a container with no assignment may be one the scheduler has not written yet.
    const inGrace = Date.now() < this.registration.registeredAt() + config.orphanGraceMs;
    for (const c of diff.remove) {
      if (inGrace && !diff.matched.some((m) => m.assignment.id === c.labels[LABEL.assignment])) {
        this.pokeIn(this.registration.registeredAt() + config.orphanGraceMs - Date.now());
        continue;
      }
      await this.containers.remove(c);
    }
    // Several at once (a start is mostly waiting on Docker), so that a wake storm is not one start after another.
    const failed = (err: unknown, a: Assignment) => this.log.error({ err, assignment: a.id }, 'reconcile step failed');
    await eachLimited(diff.create, config.startConcurrency, (a) => this.containers.create(a), failed);
    await eachLimited(
      diff.matched,
      config.startConcurrency,
      ({ assignment, container }) => this.containers.check(assignment, container),
      (err, m) => failed(err, m.assignment),
    );
    // The running ones grew, or the frozen ones were measured: the oldest frozen that no longer fit are stopped.
    for (const id of this.freezer.overBudget(this.frozenBudget)) await this.containers.unfreeze(id);
  }
}
