// The limits of a build container, and the messages that say which one a
// build ran into. Free of imports from build.ts (buildcontainer.ts throws these).

export type LimitKind = 'memory' | 'time' | 'pids' | 'disk';

export interface BuildLimits {
  memoryMb: number;
  /** CPUs the container may use (Docker NanoCpus / 1e9); 0: no limit. */
  cpus: number;
  pids: number;
  timeoutS: number;
  /** The build's folder and its container's writable layer each (0: unbounded), and the app's cache. */
  diskMb?: number;
  cacheMb?: number;
}

/** A build stopped by one of its limits; the message is for the pusher ("Build failed: <message>"). */
export class LimitExceeded extends Error {
  override name = 'LimitExceeded';
  constructor(
    readonly kind: LimitKind,
    message: string,
  ) {
    super(message);
  }
}

export function limitMessage(kind: LimitKind, limits: BuildLimits): string {
  switch (kind) {
    case 'memory':
      return `it ran out of memory (limit ${limits.memoryMb} MB; PAAS_BUILD_MEMORY_MB)`;
    case 'time':
      return `it took longer than ${limits.timeoutS} s (PAAS_BUILD_TIMEOUT_S)`;
    case 'pids':
      return `it started too many processes (limit ${limits.pids}; PAAS_BUILD_PIDS)`;
    case 'disk':
      return `it ran out of disk space (limits: ${limits.diskMb} MB for the build, ${limits.cacheMb} MB for its cache; PAAS_BUILD_DISK_MB, PAAS_BUILD_CACHE_MB)`;
  }
}

const FORK_FAILED =
  /fork: (retry: )?Resource temporarily unavailable|Cannot fork|spawn\b.*EAGAIN|pthread_create.*Resource temporarily unavailable|can't fork/i;

const DISK_FULL = /No space left on device|ENOSPC/;

/** Whether an output line shows a write that failed for want of space (the disk limits). */
export function isDiskFull(line: string): boolean {
  return DISK_FULL.test(line);
}

/** Whether an output line shows a process that could not be started (the pids limit). */
export function isForkFailure(line: string): boolean {
  return FORK_FAILED.test(line);
}

/**
 * Which limit, if any, ended a build container, from what Docker and the
 * output said. Time first (the builder killed it), then memory (the
 * kernel's OOM killer), then processes, then disk space (a failed write
 * in the output and a failed build). Pure.
 */
export function limitHit(facts: {
  timedOut: boolean;
  oomKilled: boolean;
  forkFailed: boolean;
  exitCode: number;
  diskFull?: boolean;
}): LimitKind | undefined {
  if (facts.timedOut) return 'time';
  if (facts.oomKilled) return 'memory';
  if (facts.forkFailed && facts.exitCode !== 0) return 'pids';
  if (facts.diskFull && facts.exitCode !== 0) return 'disk';
  return undefined;
}

/** Docker's NanoCpus for a number of CPUs (0: no limit). */
export function nanoCpus(cpus: number): number {
  return Math.round(cpus * 1e9);
}
