import type Docker from 'dockerode';
import type { LayerDisks } from '../core/layerdisk.js';
import type { Limits } from '../core/sizes.js';
import type { Bandwidth, Rates } from './isolation/bandwidth.js';
import type { ContainerRef } from './spec.js';

// The agent's narrow view of Docker. The real one wraps dockerode; the
// reconcile loop only sees this interface.

export interface ContainerState {
  id: string;
  /** Its process runs (a paused one too: see `paused`). */
  running: boolean;
  /** Paused (frozen: freezer.ts). */
  paused?: boolean;
  exitCode: number;
  finishedAt: string;
  /** When Docker last started it. */
  startedAt: string;
  /** Host port published for `containerPort`/tcp, once running. */
  hostPort?: number;
  /** "ip:containerPort" on its Docker network, once running (reachable from this host only). */
  bridge?: string;
  /** Its memory limit (MB) and CPU shares as Docker holds it to them now (HostConfig). */
  memoryMb: number;
  cpuShares: number;
  /** Its main process on this host while it runs (or is paused); 0 otherwise (metrics/: where its cgroups are). */
  pid?: number;
}

export interface Runtime {
  list(labels: Record<string, string>): Promise<ContainerRef[]>;
  /** Creates the container; with `diskMb`, its writable layer is a filesystem of that size (layerdisk.ts). */
  create(spec: Docker.ContainerCreateOptions, opts?: { diskMb?: number | undefined }): Promise<string>;
  /** Starts it (a no-op when it runs), shaped to `rates` (its assignment's), else to the rates its labels carry. */
  start(id: string, opts?: { rates?: Rates | undefined }): Promise<void>;
  /** New memory (with as much memory+swap: no swap) and CPU shares for a container, applied while it runs. */
  update(id: string, limits: Pick<Limits, 'memoryMb' | 'cpuShares'>): Promise<void>;
  /** Shapes a running container's interface to new rates (a no-op without bandwidth limits). */
  reshape(id: string, rates: Rates): Promise<void>;
  /**
   * Grows the container's layer filesystem to diskMb if it is smaller (never shrinks it); its size now (MB), or
   * undefined when it has none. When it cannot grow while the container runs, it says why in the log and keeps its
   * size.
   */
  growDisk(id: string, diskMb: number): Promise<number | undefined>;
  inspect(id: string, containerPort: number): Promise<ContainerState>;
  /** Freezes a running container's processes (cgroup freezer: memory kept, no CPU); no error if already paused. */
  pause(id: string): Promise<void>;
  /** Thaws a paused container; no error if it is not paused. */
  unpause(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after graceSeconds; no error if it is already stopped (a paused one is stopped too). */
  stop(id: string, graceSeconds: number): Promise<void>;
  remove(id: string): Promise<void>;
  /** Deletes the layer filesystems of containers that no longer exist; `live` are the ids Docker still has. */
  sweepDisks?(live: ReadonlySet<string>): Promise<void>;
  /** Calls `onExit` whenever a container with these labels dies. Returns a function that stops listening. */
  watchExits(labels: Record<string, string>, onExit: () => void): Promise<() => void>;
  /** One `docker stats` sample (stream: false); undefined if the container is gone. */
  stats(id: string): Promise<ContainerStats | undefined>;
}

/** The fields of Docker's stats answer the agent reads (usage.ts). */
export interface ContainerStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/** Docker's `label` filter for containers carrying all of these labels. */
export function labelFilter(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

const MB = 1024 * 1024;
const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;
/** How long a container that has exited may still be said to run (DockerRuntime.stillRunning), with a margin. */
const EXIT_LAG_MS = 250;

export interface DiskLog {
  warn(obj: object, msg: string): void;
}

export class DockerRuntime implements Runtime {
  /**
   * `disks`: where containers' layer filesystems are made; absent: writable layers are unbounded.
   * `bandwidth`: shapes each container's interface after each start (isolation/bandwidth.ts); absent: unshaped.
   */
  constructor(
    private readonly docker: Docker,
    private readonly disks?: { disks: LayerDisks; log: DiskLog },
    private readonly bandwidth?: Pick<Bandwidth, 'apply'>,
  ) {}

  async update(id: string, limits: Pick<Limits, 'memoryMb' | 'cpuShares'>): Promise<void> {
    const bytes = limits.memoryMb * MB;
    await this.docker.getContainer(id).update({ Memory: bytes, MemorySwap: bytes, CpuShares: limits.cpuShares });
  }

  async reshape(id: string, rates: Rates): Promise<void> {
    await this.bandwidth?.apply(id, rates);
  }

  async growDisk(id: string, diskMb: number): Promise<number | undefined> {
    if (!this.disks || !(await this.disks.disks.has(id))) return undefined;
    const upper = await this.upperDir(id);
    if (!upper) return undefined;
    try {
      return await this.disks.disks.grow(id, upper, diskMb);
    } catch (err) {
      this.disks.log.warn(
        { err, container: id },
        `cannot grow the container's disk to ${diskMb} MB while it runs: it keeps its size until it is replaced`,
      );
      return this.disks.disks.sizeMb(id);
    }
  }

  async list(labels: Record<string, string>): Promise<ContainerRef[]> {
    const cs = await this.docker.listContainers({ all: true, filters: { label: labelFilter(labels) } });
    return cs.map((c) => ({
      id: c.Id,
      ...(c.Names[0] && { name: c.Names[0].replace(/^\//, '') }),
      labels: c.Labels,
      running: c.State === 'running',
      ...(c.State === 'paused' && { paused: true }),
      created: c.Created,
    }));
  }

  async create(spec: Docker.ContainerCreateOptions, opts: { diskMb?: number | undefined } = {}): Promise<string> {
    const c = await this.docker.createContainer(spec);
    if (this.disks && opts.diskMb) {
      try {
        const upper = await this.upperDir(c.id);
        if (upper) await this.disks.disks.attach(c.id, upper, opts.diskMb);
        else
          this.disks.log.warn(
            { container: c.id },
            'the storage driver is not overlay2: no disk limit for this container',
          );
      } catch (err) {
        await this.remove(c.id).catch(() => undefined);
        throw new Error(`cannot give the container a ${opts.diskMb} MB disk: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    return c.id;
  }

  /** The container's overlay upper dir (its writable layer), when the driver is overlay2. */
  private async upperDir(id: string): Promise<string | undefined> {
    const info = await this.docker.getContainer(id).inspect();
    const d = info.GraphDriver as { Name?: string; Data?: Record<string, string> } | undefined;
    return d?.Name === 'overlay2' ? d.Data?.UpperDir : undefined;
  }

  async start(id: string, opts: { rates?: Rates | undefined } = {}): Promise<void> {
    if (this.disks && (await this.disks.disks.has(id))) {
      const upper = await this.upperDir(id);
      if (upper) await this.disks.disks.ensure(id, upper); // mounted again after a reboot
    }
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusOf(err) !== 304) throw err; // 304: already started
    }
    await this.shape(id, opts.rates);
  }

  /**
   * Its size's rates on its interface; a running container that cannot be held to them is stopped (the start fails).
   */
  private async shape(id: string, rates: Rates | undefined): Promise<void> {
    if (!this.bandwidth) return;
    try {
      await this.bandwidth.apply(id, rates);
    } catch (err) {
      // A quick command (a release phase's echo) may have ended meanwhile: nothing left to shape, not a failure.
      if (!(await this.stillRunning(id))) return;
      await this.docker
        .getContainer(id)
        .stop({ t: 0 })
        .catch(() => undefined);
      throw new Error(`cannot limit the container's bandwidth: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Whether the container still runs, looked at for EXIT_LAG_MS: Docker says `running` for some 50-70 ms after its
   * process has exited (measured on 20.10), so a quick command that has just ended would look alive at once.
   */
  private async stillRunning(id: string): Promise<boolean> {
    const deadline = Date.now() + EXIT_LAG_MS;
    for (;;) {
      const running = await this.docker
        .getContainer(id)
        .inspect()
        .then(
          (i) => i.State.Running,
          () => false,
        );
      if (!running) return false;
      if (Date.now() >= deadline) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async inspect(id: string, containerPort: number): Promise<ContainerState> {
    const info = await this.docker.getContainer(id).inspect();
    const binding = info.NetworkSettings.Ports?.[`${containerPort}/tcp`]?.[0];
    const state: ContainerState = {
      id: info.Id,
      running: info.State.Running,
      ...(info.State.Paused && { paused: true }),
      exitCode: info.State.ExitCode,
      finishedAt: info.State.FinishedAt,
      startedAt: info.State.StartedAt,
      memoryMb: Math.round((info.HostConfig.Memory ?? 0) / MB),
      cpuShares: info.HostConfig.CpuShares ?? 0,
      pid: info.State.Pid ?? 0,
    };
    if (binding?.HostPort) state.hostPort = Number(binding.HostPort);
    const ip = Object.values(info.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
    if (info.State.Running && ip) state.bridge = `${ip}:${containerPort}`;
    return state;
  }

  async pause(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).pause();
    } catch (err) {
      if (statusOf(err) !== 409 || !(await this.isPaused(id))) throw err; // 409: already paused, or not running
    }
  }

  async unpause(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).unpause();
    } catch (err) {
      if (statusOf(err) !== 409 || (await this.isPaused(id))) throw err; // 409: not paused
    }
  }

  private isPaused(id: string): Promise<boolean> {
    return this.docker
      .getContainer(id)
      .inspect()
      .then(
        (i) => i.State.Paused,
        () => false,
      );
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: graceSeconds });
    } catch (err) {
      if (statusOf(err) !== 304 && statusOf(err) !== 404) throw err;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      if (this.disks && (await this.disks.disks.has(id))) {
        // Its overlay must be gone before its filesystem can be unmounted.
        const c = this.docker.getContainer(id);
        await c.kill().catch((err: unknown) => {
          if (statusOf(err) !== 409 && statusOf(err) !== 304) throw err; // 409: not running
        });
        await c.wait({ condition: 'not-running' });
        await this.disks.disks.release(id, await this.upperDir(id));
      }
      await this.docker.getContainer(id).remove({ force: true });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      await this.disks?.disks.release(id, undefined);
    }
  }

  async sweepDisks(live: ReadonlySet<string>): Promise<void> {
    if (!this.disks) return;
    const gone = await this.disks.disks.sweep(live);
    if (gone.length)
      this.disks.log.warn({ files: gone }, 'deleted the layer filesystems of containers removed outside the agent');
  }

  async stats(id: string): Promise<ContainerStats | undefined> {
    try {
      return (await this.docker.getContainer(id).stats({ stream: false })) as ContainerStats;
    } catch (err) {
      if (statusOf(err) === 404 || statusOf(err) === 409) return undefined;
      throw err;
    }
  }

  async watchExits(labels: Record<string, string>, onExit: () => void): Promise<() => void> {
    const stream = (await this.docker.getEvents({
      filters: { type: ['container'], event: ['die'], label: labelFilter(labels) },
    })) as NodeJS.ReadableStream & { destroy?: () => void };
    stream.on('data', onExit);
    stream.on('error', () => undefined);
    return () => stream.destroy?.();
  }
}
