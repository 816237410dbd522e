import { describe, expect, it } from 'vitest';
import { loadConfig as loadSchedulerConfig } from '../../../services/scheduler/config.js';

describe('scheduler loadConfig', () => {
  it('has defaults and validates', () => {
    expect(loadSchedulerConfig({})).toMatchObject({ drainMs: 2000, electionTtlSeconds: 10 });
    expect(() => loadSchedulerConfig({ PAAS_SCHEDULER_DRAIN_MS: '-1' })).toThrow(/DRAIN/);
  });

  it('reads the release timeout (default 5 min, at least 1 s) next to the rollout timeout', () => {
    expect(loadSchedulerConfig({})).toMatchObject({ rolloutTimeoutMs: 60_000, releaseTimeoutMs: 300_000 });
    expect(loadSchedulerConfig({ PAAS_SCHEDULER_RELEASE_TIMEOUT_MS: '900000' })).toMatchObject({
      releaseTimeoutMs: 900_000,
    });
    expect(() => loadSchedulerConfig({ PAAS_SCHEDULER_RELEASE_TIMEOUT_MS: '999' })).toThrow(
      'PAAS_SCHEDULER_RELEASE_TIMEOUT_MS must be from 1000 to 86400000 (ms)',
    );
    expect(() => loadSchedulerConfig({ PAAS_SCHEDULER_RELEASE_TIMEOUT_MS: '86400001' })).toThrow(
      /PAAS_SCHEDULER_RELEASE_TIMEOUT_MS must be from/,
    );
    expect(() => loadSchedulerConfig({ PAAS_SCHEDULER_RELEASE_TIMEOUT_MS: '5m' })).toThrow(
      /PAAS_SCHEDULER_RELEASE_TIMEOUT_MS must be an integer/,
    );
  });

  it('chooses the placement policy by name and validates it', () => {
    expect(loadSchedulerConfig({})).toMatchObject({ policy: 'balanced', cpuOvercommit: 16, memoryOvercommit: 1 });
    expect(loadSchedulerConfig({ PAAS_SCHEDULER_MEMORY_OVERCOMMIT: '2' })).toMatchObject({ memoryOvercommit: 2 });
    expect(() => loadSchedulerConfig({ PAAS_SCHEDULER_MEMORY_OVERCOMMIT: '0.9' })).toThrow(
      /PAAS_SCHEDULER_MEMORY_OVERCOMMIT/,
    );
    expect(() => loadSchedulerConfig({ PAAS_SCHEDULER_MEMORY_OVERCOMMIT: 'x' })).toThrow(
      /PAAS_SCHEDULER_MEMORY_OVERCOMMIT/,
    );
    expect(
      loadSchedulerConfig({ PAAS_SCHEDULER_POLICY: 'least-containers', PAAS_SCHEDULER_CPU_OVERCOMMIT: '1.5' }),
    ).toMatchObject({ policy: 'least-containers', cpuOvercommit: 1.5 });
    expect(() => loadSchedulerConfig({ PAAS_SCHEDULER_POLICY: 'spread' })).toThrow(
      'PAAS_SCHEDULER_POLICY must be one of balanced, least-containers, got "spread"',
    );
    expect(() => loadSchedulerConfig({ PAAS_SCHEDULER_CPU_OVERCOMMIT: '0.5' })).toThrow(
      /PAAS_SCHEDULER_CPU_OVERCOMMIT/,
    );
    expect(() => loadSchedulerConfig({ PAAS_SCHEDULER_CPU_OVERCOMMIT: 'lots' })).toThrow(
      /PAAS_SCHEDULER_CPU_OVERCOMMIT/,
    );
  });
});
