import type Docker from 'dockerode';
import type { ContainerRef } from './spec.js';

// The agent's narrow view of Docker. The real one wraps dockerode; the
// reconcile loop only sees this interface.

export interface ContainerState {
  id: string;
  running: boolean;
  exitCode: number;
  finishedAt: string;
  /** When Docker last started it. */
  startedAt: string;
  /** Host port published for `containerPort`/tcp, once running. */
  hostPort?: number;
  /** "ip:containerPort" on its Docker network, once running (reachable from this host only). */
  bridge?: string;
}

export interface Runtime {
  list(labels: Record<string, string>): Promise<ContainerRef[]>;
  create(spec: Docker.ContainerCreateOptions): Promise<string>;
  start(id: string): Promise<void>;
  inspect(id: string, containerPort: number): Promise<ContainerState>;
  /** SIGTERM, then SIGKILL after graceSeconds; no error if it is already stopped. */
  stop(id: string, graceSeconds: number): Promise<void>;
  remove(id: string): Promise<void>;
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

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

export class DockerRuntime implements Runtime {
  constructor(private readonly docker: Docker) {}

  async list(labels: Record<string, string>): Promise<ContainerRef[]> {
    const cs = await this.docker.listContainers({ all: true, filters: { label: labelFilter(labels) } });
    return cs.map((c) => ({ id: c.Id, labels: c.Labels, running: c.State === 'running', created: c.Created }));
  }

  async create(spec: Docker.ContainerCreateOptions): Promise<string> {
    const c = await this.docker.createContainer(spec);
    return c.id;
  }

  async start(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusOf(err) !== 304) throw err; // 304: already started
    }
  }

  async inspect(id: string, containerPort: number): Promise<ContainerState> {
    const info = await this.docker.getContainer(id).inspect();
    const binding = info.NetworkSettings.Ports?.[`${containerPort}/tcp`]?.[0];
    const state: ContainerState = {
      id: info.Id,
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      finishedAt: info.State.FinishedAt,
      startedAt: info.State.StartedAt,
    };
    if (binding?.HostPort) state.hostPort = Number(binding.HostPort);
    const ip = Object.values(info.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
    if (info.State.Running && ip) state.bridge = `${ip}:${containerPort}`;
    return state;
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
      await this.docker.getContainer(id).remove({ force: true });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
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
