import type Docker from 'dockerode';
import { Passes } from '../passes.js';
import type { AddonAssignment, AddonInstance, AddonState } from '../../core/addons.js';
import type { Logger } from '../../core/logger.js';
import type { Lease, Mirror, Store } from '../../core/store.js';
import { LABEL, ownerLabels } from '../spec.js';
import {
  ADDON_LABEL,
  addonContainerSpec,
  addonNetworkName,
  addonNetworkSpec,
  addonOwnerLabels,
  addonSpecDigest,
  addonVolumeName,
  containerAction,
  networkChanges,
  restartDelayMs,
  volumesPastGrace,
  type AddonSpecContext,
} from './spec.js';

// The agent's add-on runner (issue 20): this host's add-on assignments
// (/addon-assignments/<host>/, written by the scheduler) against the add-on
// containers Docker has (labels paas.addon.*: spec.ts). A pass runs when the
// assignments change, a container starts or dies, and every resyncMs:
//   - each assignment gets its network, its volume and its container; a
//     container of another digest (image, plan, password) is replaced on the
//     same volume; a stopped one (crashed, killed) is started again after a
//     backoff, counted as a restart;
//   - containers, networks of add-ons no longer assigned go; their volumes
//     stay for a grace period (volumeGraceMs, counted from when this agent
//     first saw them unassigned), then go too;
//   - the running containers of the attached apps are connected to the
//     add-on's network, and those of other apps disconnected;
//   - each add-on's state (starting, up once Docker's health check passes,
//     crashed) is written to /addon-instances/<name> under a lease of its own.

export interface AddonRunnerDeps {
  store: Store;
  docker: Docker;
  log: Logger;
  ctx: AddonSpecContext;
  leaseTtlSeconds: number;
  resyncMs: number;
  stopGraceSeconds: number;
  /** How long the volume of an add-on no longer assigned here is kept (its data after a destroy). */
  volumeGraceMs: number;
}

interface Crashes {
  restarts: number;
  lastStart: number;
}

export class AddonRunner {
  private readonly log: Logger;
  private mirror: Mirror | undefined;
  private lease: Lease | undefined;
  private readonly written = new Map<string, string>();
  private readonly crashes = new Map<string, Crashes>();
  /** When each volume of an add-on no longer assigned here was first seen so (in memory: a restart starts over). */
  private orphanedSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private later: NodeJS.Timeout | undefined;
  private events: NodeJS.ReadableStream | undefined;
  private stopped = false;
  private readonly passes = new Passes(
    () => this.reconcile(),
    (err) => this.log.error({ err }, 'add-on pass failed'),
  );

  constructor(private readonly deps: AddonRunnerDeps) {
    this.log = deps.log.child({ module: 'addons' });
  }

  async start(): Promise<this> {
    const { store, docker } = this.deps;
    this.mirror = await store.mirror([store.keys.addonAssignments(this.deps.ctx.hostId)], () => this.poke());
    this.newLease();
    this.timer = setInterval(() => this.poke(), this.deps.resyncMs);
    docker
      .getEvents({ filters: { type: ['container'], event: ['start', 'die'] } })
      .then((s) => {
        if (this.stopped) return void (s as unknown as { destroy?: () => void }).destroy?.();
        this.events = s;
        s.on('data', () => this.poke());
        s.on('error', () => undefined);
      })
      .catch((err: unknown) => this.log.warn({ err }, 'cannot watch Docker events; relying on the timer'));
    this.poke();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const idle = this.passes.stop();
    if (this.timer) clearInterval(this.timer);
    if (this.later) clearTimeout(this.later);
    (this.events as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    await idle;
    await this.mirror?.close();
    await this.lease?.revoke().catch(() => undefined);
  }

  poke(): void {
    this.passes.poke();
  }

  private pokeIn(ms: number): void {
    if (this.later) clearTimeout(this.later);
    this.later = setTimeout(() => this.poke(), ms + 10);
  }

  private newLease(): void {
    const lease = this.deps.store.lease(this.deps.leaseTtlSeconds);
    this.lease = lease;
    this.written.clear();
    lease.on('lost', () => {
      if (this.stopped || this.lease !== lease) return;
      this.log.warn('the add-on instances lease was lost; writing them again under a new one');
      this.newLease();
      this.poke();
    });
  }

  private async reconcile(): Promise<void> {
    const { store, docker, ctx } = this.deps;
    const assignments = this.mirror?.list<AddonAssignment>(store.keys.addonAssignments(ctx.hostId)) ?? [];
    const wanted = new Map(assignments.map((a) => [a.name, a]));
    const label = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const mine = await docker.listContainers({ all: true, filters: { label: label(addonOwnerLabels(ctx)) } });
    // containers of add-ons no longer here (or of an earlier add-on of the name): stopped and removed, volume kept
    for (const c of mine) {
      const name = c.Labels[ADDON_LABEL.name] ?? '';
      if (wanted.get(name)?.addonId === c.Labels[ADDON_LABEL.id]) continue;
      this.log.info({ addon: name, container: c.Id }, 'removing the container of an add-on no longer assigned here');
      await this.removeContainer(c.Id);
      this.crashes.delete(name);
      await this.forget(name);
    }
    const nets = await docker.listNetworks({ filters: { label: label(addonOwnerLabels(ctx)) } });
    for (const n of nets) {
      if (wanted.has(n.Labels?.[ADDON_LABEL.name] ?? '')) continue;
      await this.removeNetwork(n.Id, n.Name);
    }
    for (const a of assignments) {
      try {
        await this.ensure(a, mine, new Set(nets.map((n) => n.Name)));
      } catch (err) {
        this.log.error({ err, addon: a.name }, 'cannot run the add-on');
      }
    }
    await this.connectApps(assignments);
    await this.sweepVolumes(assignments);
  }

  /** Removes the volumes of add-ons no longer assigned here once their grace period is over. */
  private async sweepVolumes(assignments: readonly AddonAssignment[]): Promise<void> {
    const { docker, ctx } = this.deps;
    const filters = { label: Object.entries(addonOwnerLabels(ctx)).map(([k, v]) => `${k}=${v}`) };
    const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name);
    const wanted = new Set(assignments.map((a) => addonVolumeName(ctx.cluster, a)));
    const { remove, seen } = volumesPastGrace(volumes, wanted, this.orphanedSince, Date.now(), this.deps.volumeGraceMs);
    this.orphanedSince = seen;
    for (const v of remove)
      await docker
        .getVolume(v)
        .remove()
        .then(() => this.log.info({ volume: v }, 'removed the volume of a destroyed add-on (its grace period is over)'))
        .catch((err: unknown) => this.log.warn({ err, volume: v }, 'cannot remove an add-on volume'));
  }

  /** The add-on's network, volume and container, running; its state reported. */
  private async ensure(a: AddonAssignment, mine: Docker.ContainerInfo[], nets: Set<string>): Promise<void> {
    const { docker, ctx } = this.deps;
    const network = addonNetworkName(ctx.cluster, a.name);
    if (!nets.has(network)) {
      await docker.createNetwork(addonNetworkSpec(a, ctx));
      this.log.info({ addon: a.name, network }, 'made the add-on network');
    }
    const volume = addonVolumeName(ctx.cluster, a);
    await docker
      .getVolume(volume)
      .inspect()
      .catch(async () => {
        await docker.createVolume({ Name: volume, Labels: { ...addonOwnerLabels(ctx), [ADDON_LABEL.name]: a.name } });
        this.log.info({ addon: a.name, volume }, 'made the add-on volume');
      });
    const digest = addonSpecDigest(a, ctx);
    const found = mine.find((c) => c.Labels[ADDON_LABEL.name] === a.name && c.Labels[ADDON_LABEL.id] === a.addonId);
    const action = containerAction(
      digest,
      found && { digest: found.Labels[ADDON_LABEL.digest], running: found.State === 'running' },
    );
    let id = found?.Id;
    const crashes = this.crashes.get(a.name) ?? { restarts: 0, lastStart: 0 };
    if (action === 'replace' && found) {
      this.log.info({ addon: a.name }, 'replacing the add-on container (same volume)');
      await this.removeContainer(found.Id);
      id = undefined;
    }
    if (action === 'create' || action === 'replace') {
      id = (await docker.createContainer(addonContainerSpec(a, ctx))).id;
      await docker.getContainer(id).start();
      this.crashes.set(a.name, { restarts: 0, lastStart: Date.now() });
      this.log.info({ addon: a.name, container: id, volume }, 'started the add-on');
      return this.report(a, 'starting', id, 0);
    }
    if (!id) return;
    if (action === 'start') {
      const due = crashes.lastStart + restartDelayMs(crashes.restarts + 1);
      if (Date.now() < due) {
        this.pokeIn(due - Date.now());
        return this.report(a, 'crashed', id, crashes.restarts);
      }
      const next = { restarts: crashes.restarts + 1, lastStart: Date.now() };
      this.crashes.set(a.name, next);
      this.log.warn({ addon: a.name, container: id, restarts: next.restarts }, 'the add-on stopped: starting it again');
      await docker.getContainer(id).start();
      return this.report(a, 'starting', id, next.restarts);
    }
    const health = (await docker.getContainer(id).inspect()).State.Health?.Status;
    if (health !== 'healthy') this.pokeIn(2000); // report `up` soon after it answers
    await this.report(a, health === 'healthy' ? 'up' : 'starting', id, crashes.restarts);
  }

  /**
   * Connects a container of `app`, created and not yet started, to the networks of the add-ons on this host attached
   * to the app, so that its first connection finds them (a release command, a `paas run` that connects at once); the
   * pass below would connect it only once it runs. A network not made yet is left to that pass. Never throws.
   */
  async join(containerId: string, app: string): Promise<void> {
    const { store, docker, ctx } = this.deps;
    const assignments = this.mirror?.list<AddonAssignment>(store.keys.addonAssignments(ctx.hostId)) ?? [];
    for (const a of assignments.filter((x) => x.apps.includes(app)))
      await docker
        .getNetwork(addonNetworkName(ctx.cluster, a.name))
        .connect({ Container: containerId })
        .catch((err: { statusCode?: number; message?: string }) => {
          // 403: connected already (a restart of the same container); 404: the network is not made yet
          if (err.statusCode !== 403 && err.statusCode !== 404)
            this.log.warn({ err, addon: a.name, container: containerId }, 'cannot connect a new app container');
        });
  }

  /** Connects the attached apps' running containers on this host to their add-ons' networks; the others off them. */
  private async connectApps(assignments: readonly AddonAssignment[]): Promise<void> {
    if (assignments.length === 0) return; // nothing to connect to (a removed add-on's network went with its endpoints)
    const { docker, ctx } = this.deps;
    const apps = await docker.listContainers({
      filters: { label: Object.entries(ownerLabels(ctx)).map(([k, v]) => `${k}=${v}`) },
    });
    const containers = apps.map((c) => ({
      id: c.Id,
      app: c.Labels[LABEL.app] ?? '',
      networks: Object.keys(c.NetworkSettings?.Networks ?? {}),
    }));
    const attached = new Map(assignments.map((a) => [a.name, a.apps]));
    const networks = new Map(assignments.map((a) => [a.name, addonNetworkName(ctx.cluster, a.name)]));
    const { connect, disconnect } = networkChanges(containers, attached, networks);
    for (const c of connect)
      await docker
        .getNetwork(c.network)
        .connect({ Container: c.container })
        .then(() => this.log.info({ addon: c.addon, container: c.container }, 'connected an app container'))
        .catch((err: unknown) => this.log.warn({ err, ...c }, 'cannot connect an app container to its add-on'));
    for (const c of disconnect)
      await docker
        .getNetwork(c.network)
        .disconnect({ Container: c.container, Force: true })
        .catch((err: unknown) => this.log.warn({ err, ...c }, 'cannot disconnect an app container'));
  }

  private async removeContainer(id: string): Promise<void> {
    const c = this.deps.docker.getContainer(id);
    await c.stop({ t: this.deps.stopGraceSeconds }).catch(() => undefined);
    await c.remove({ force: true }).catch((err: unknown) => this.log.warn({ err, id }, 'cannot remove a container'));
  }

  private async removeNetwork(id: string, name: string): Promise<void> {
    const net = this.deps.docker.getNetwork(id);
    const info = (await net.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
    for (const c of Object.keys(info?.Containers ?? {}))
      await net.disconnect({ Container: c, Force: true }).catch(() => undefined);
    await net
      .remove()
      .then(() => this.log.info({ network: name }, 'removed the network of an add-on no longer here'))
      .catch((err: unknown) => this.log.warn({ err, network: name }, 'cannot remove an add-on network'));
  }

  /** Writes the add-on's instance record under the lease, when it changed. */
  private async report(a: AddonAssignment, state: AddonState, container: string, restarts: number): Promise<void> {
    const lease = this.lease;
    if (!lease) return;
    const body = { name: a.name, host: a.host, addonId: a.addonId, state, restarts, container };
    const json = JSON.stringify(body);
    if (this.written.get(a.name) === json) return;
    const record: AddonInstance = { ...body, at: new Date().toISOString() };
    await this.deps.store.put(this.deps.store.keys.addonInstance(a.name), record, lease);
    this.written.set(a.name, json);
  }

  private async forget(name: string): Promise<void> {
    this.written.delete(name);
    const cur = await this.deps.store.get<AddonInstance>(this.deps.store.keys.addonInstance(name));
    if (cur?.host === this.deps.ctx.hostId) await this.deps.store.delete(this.deps.store.keys.addonInstance(name));
  }
}

export async function startAddons(deps: AddonRunnerDeps): Promise<AddonRunner> {
  return new AddonRunner(deps).start();
}
