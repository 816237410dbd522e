import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../services/agent/config.js';

describe('agent loadConfig', () => {
  it('reads the host settings', () => {
    const c = loadConfig({
      PAAS_HOST_ID: 'node-1',
      PAAS_HOST_TAGS: 'pool=high,ssd=true',
      PAAS_HOST_MEMORY_MB: '2048',
      PAAS_HOST_CPUS: '2',
      PAAS_CLUSTER: 'x',
    });
    expect(c).toMatchObject({
      hostId: 'node-1',
      hostAddress: '127.0.0.1',
      tags: { pool: 'high', ssd: 'true' },
      memoryMb: 2048,
      cpus: 2,
      cluster: 'x',
      frozenMb: 204, // a tenth of the host's memory
      startConcurrency: 4,
    });
    expect(loadConfig({ PAAS_HOST_ID: 'h', PAAS_AGENT_FROZEN_MB: '0' }).frozenMb).toBe(0);
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('has machine defaults', () => {
    const c = loadConfig({ PAAS_HOST_ID: 'nx' });
    expect(c.memoryMb).toBeGreaterThan(0);
    expect(c.cpus).toBeGreaterThan(0);
    expect(c.tags).toEqual({ pool: 'shared' });
  });
  it('rejects bad values', () => {
    expect(() => loadConfig({ PAAS_HOST_ID: '../etc' })).toThrow(/PAAS_HOST_ID/);
    expect(() => loadConfig({ PAAS_HOST_ID: 'h', PAAS_HOST_ADDRESS: '1.2.3.4; rm' })).toThrow(/PAAS_HOST_ADDRESS/);
    expect(() => loadConfig({ PAAS_HOST_ID: 'h', PAAS_HOST_MEMORY_MB: '0' })).toThrow(/PAAS_HOST_MEMORY_MB/);
    expect(() => loadConfig({ PAAS_HOST_ID: 'h', PAAS_HOST_TAGS: 'nokey' })).toThrow(/PAAS_HOST_TAGS/);
    expect(() => loadConfig({ PAAS_HOST_ID: 'h', PAAS_AGENT_FROZEN_MB: 'lots' })).toThrow(/PAAS_AGENT_FROZEN_MB/);
    expect(() => loadConfig({ PAAS_HOST_ID: 'h', PAAS_AGENT_START_CONCURRENCY: '0' })).toThrow(
      /PAAS_AGENT_START_CONCURRENCY/,
    );
  });
});
