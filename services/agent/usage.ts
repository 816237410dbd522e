import type { Logger } from '../core/logger.js';
import type { HostCapacity } from '../core/types.js';
import type { ContainerStats, Runtime } from './docker.js';
import type { Registration } from './registration.js';

// What the host's containers really use, from one `docker stats` sample of
// each running container (stream: false: Docker takes two readings about a
// second apart, so the CPU figure is a rate). The agent puts the sum into its
// host record as `used` every PAAS_AGENT_USAGE_MS (startUsageReports); with
// no running container it reports zero without asking Docker.

/** Memory in MB (without the reclaimable file cache, as `docker stats` shows it) and CPU in cores. */
export function usageOf(s: ContainerStats): HostCapacity {
  const mem = s.memory_stats;
  const cache = mem?.stats?.inactive_file ?? mem?.stats?.total_inactive_file ?? 0;
  const memoryBytes = Math.max(0, (mem?.usage ?? 0) - cache);
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const online = s.cpu_stats?.online_cpus ?? 0;
  const sampled = (s.precpu_stats?.system_cpu_usage ?? 0) > 0; // without a previous reading the figures are since boot
  const cpus = sampled && cpuDelta > 0 && systemDelta > 0 && online > 0 ? (cpuDelta / systemDelta) * online : 0;
  return { memoryMb: memoryBytes / 1024 / 1024, cpus };
}

/** The sum, rounded: whole MB, hundredths of a core. */
export function sumUsage(samples: readonly HostCapacity[]): HostCapacity {
  const memoryMb = samples.reduce((n, u) => n + u.memoryMb, 0);
  const cpus = samples.reduce((n, u) => n + u.cpus, 0);
  return { memoryMb: Math.round(memoryMb), cpus: Math.round(cpus * 100) / 100 };
}

/** Samples the running containers among `ids` in parallel; a container gone meanwhile counts zero. */
export async function measureUsage(runtime: Runtime, ids: readonly string[], log: Logger): Promise<HostCapacity> {
  if (ids.length === 0) return { memoryMb: 0, cpus: 0 };
  const samples = await Promise.all(
    ids.map(async (id) => {
      try {
        const s = await runtime.stats(id);
        return s ? usageOf(s) : { memoryMb: 0, cpus: 0 };
      } catch (err) {
        log.debug({ err, container: id }, 'cannot read container stats');
        return { memoryMb: 0, cpus: 0 };
      }
    }),
  );
  return sumUsage(samples);
}

/**
 * Writes the sum into the host record every `everyMs`; skipped while no
 * container runs and zero was reported under the current lease. Returns a
 * function that stops it.
 */
export function startUsageReports(o: {
  runtime: Runtime;
  /** The labels of this agent's containers (spec.ts ownerLabels). */
  labels: Record<string, string>;
  registration: Pick<Registration, 'lease' | 'generation' | 'reportUsage'>;
  everyMs: number;
  log: Logger;
}): () => void {
  let stopped = false;
  let zeroReported: number | undefined; // the lease generation zero was reported under
  const report = async () => {
    if (stopped || !o.registration.lease()) return;
    try {
      const running = (await o.runtime.list(o.labels)).filter((c) => c.running).map((c) => c.id);
      const gen = o.registration.generation();
      if (running.length === 0 && zeroReported === gen) return;
      const used = await measureUsage(o.runtime, running, o.log);
      if (stopped) return;
      await o.registration.reportUsage(used);
      zeroReported = running.length === 0 ? gen : undefined;
    } catch (err) {
      o.log.warn({ err }, 'cannot report host usage');
    }
  };
  const timer = setInterval(() => void report(), o.everyMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
