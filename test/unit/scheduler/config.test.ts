import { describe, expect, it } from 'vitest';
import { loadConfig as loadSchedulerConfig } from '../../../services/scheduler/config.js';

describe('scheduler loadConfig', () => {
  it('has defaults and validates', () => {
    expect(loadSchedulerConfig({})).toMatchObject({ drainMs: 2000, electionTtlSeconds: 10 });
    expect(() => loadSchedulerConfig({ PAAS_SCHEDULER_DRAIN_MS: '-1' })).toThrow(/DRAIN/);
  });
});
