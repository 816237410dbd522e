import { describe, expect, it } from 'vitest';
import {
  isDiskFull,
  isForkFailure,
  limitHit,
  limitMessage,
  nanoCpus,
} from '../../../../services/builder/build/limits.js';

describe('limits', () => {
  const limits = { memoryMb: 2048, cpus: 2, pids: 512, timeoutS: 900 };
  it('says which limit', () => {
    expect(limitMessage('memory', limits)).toBe('it ran out of memory (limit 2048 MB; PAAS_BUILD_MEMORY_MB)');
    expect(limitMessage('time', limits)).toBe('it took longer than 900 s (PAAS_BUILD_TIMEOUT_S)');
    expect(limitMessage('pids', limits)).toBe('it started too many processes (limit 512; PAAS_BUILD_PIDS)');
  });
  it('tells time before memory before processes; a fork failure of a build that passed is nothing', () => {
    expect(limitHit({ timedOut: true, oomKilled: true, forkFailed: true, exitCode: 137 })).toBe('time');
    expect(limitHit({ timedOut: false, oomKilled: true, forkFailed: true, exitCode: 11 })).toBe('memory');
    expect(limitHit({ timedOut: false, oomKilled: false, forkFailed: true, exitCode: 11 })).toBe('pids');
    expect(limitHit({ timedOut: false, oomKilled: false, forkFailed: true, exitCode: 0 })).toBeUndefined();
    expect(limitHit({ timedOut: false, oomKilled: false, forkFailed: false, exitCode: 11 })).toBeUndefined();
  });
  it('recognises a failed fork', () => {
    expect(isForkFailure('bash: fork: retry: Resource temporarily unavailable')).toBe(true);
    expect(isForkFailure('Error: spawn EAGAIN')).toBe(true);
    expect(isForkFailure('Error: spawn sleep EAGAIN')).toBe(true);
    expect(isForkFailure('added 50 packages')).toBe(false);
  });
  it('tells a build that filled its disk, after the other limits, and says which settings bound it', () => {
    expect(limitHit({ timedOut: false, oomKilled: false, forkFailed: false, diskFull: true, exitCode: 1 })).toBe(
      'disk',
    );
    expect(limitHit({ timedOut: false, oomKilled: true, forkFailed: false, diskFull: true, exitCode: 137 })).toBe(
      'memory',
    );
    expect(
      limitHit({ timedOut: false, oomKilled: false, forkFailed: false, diskFull: true, exitCode: 0 }),
    ).toBeUndefined();
    expect(isDiskFull("dd: error writing '/tmp/build/fill': No space left on device")).toBe(true);
    expect(isDiskFull('npm ERR! code ENOSPC')).toBe(true);
    expect(isDiskFull('added 50 packages')).toBe(false);
    expect(limitMessage('disk', { ...limits, diskMb: 8192, cacheMb: 4096 })).toBe(
      'it ran out of disk space (limits: 8192 MB for the build, 4096 MB for its cache; PAAS_BUILD_DISK_MB, PAAS_BUILD_CACHE_MB)',
    );
  });
  it('converts CPUs to NanoCpus', () => {
    expect(nanoCpus(1.5)).toBe(1_500_000_000);
  });
});
