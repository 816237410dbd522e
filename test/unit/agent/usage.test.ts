import { describe, expect, it } from 'vitest';
import { sumUsage, usageOf } from '../../../services/agent/usage.js';

describe('usageOf', () => {
  it('reads memory without the inactive file cache (cgroup v2) and CPU as cores', () => {
    const u = usageOf({
      memory_stats: { usage: 300 * 1024 * 1024, stats: { inactive_file: 100 * 1024 * 1024 } },
      cpu_stats: { cpu_usage: { total_usage: 2_000_000_000 }, system_cpu_usage: 20_000_000_000, online_cpus: 4 },
      precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 16_000_000_000 },
    });
    expect(u).toEqual({ memoryMb: 200, cpus: 1 }); // 1e9 of 4e9 system ns over 4 cpus: one core
  });

  it('reads cgroup v1 cache, and is zero with no previous sample, no change or no data', () => {
    expect(
      usageOf({ memory_stats: { usage: 64 * 1024 * 1024, stats: { total_inactive_file: 32 * 1024 * 1024 } } }),
    ).toEqual({ memoryMb: 32, cpus: 0 });
    expect(
      usageOf({ cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 10, online_cpus: 2 }, precpu_stats: {} })
        .cpus,
    ).toBe(0);
    expect(
      usageOf({
        cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 10, online_cpus: 2 },
        precpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 10 },
      }).cpus,
    ).toBe(0);
    expect(usageOf({})).toEqual({ memoryMb: 0, cpus: 0 });
  });
});

describe('sumUsage', () => {
  it('adds and rounds to whole MB and hundredths of a core', () => {
    expect(
      sumUsage([
        { memoryMb: 10.4, cpus: 0.123 },
        { memoryMb: 20.3, cpus: 0.5 },
      ]),
    ).toEqual({ memoryMb: 31, cpus: 0.62 });
    expect(sumUsage([])).toEqual({ memoryMb: 0, cpus: 0 });
  });
});
