import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../services/builder/config.js';

describe('builder limits settings', () => {
  it('has defaults', () => {
    const c = loadConfig({ PAAS_INTERNAL_TOKEN: 't' });
    expect({ cpus: c.buildCpus, pids: c.buildPids, timeout: c.buildTimeoutS, keep: c.keepReleaseImages }).toEqual({
      cpus: 2,
      pids: 2048,
      timeout: 900,
      keep: 5,
    });
  });
  it('reads them, fractional CPUs included', () => {
    const c = loadConfig({
      PAAS_INTERNAL_TOKEN: 't',
      PAAS_BUILD_CPUS: '1.5',
      PAAS_BUILD_PIDS: '256',
      PAAS_BUILD_TIMEOUT_S: '60',
      PAAS_KEEP_RELEASE_IMAGES: '3',
    });
    expect([c.buildCpus, c.buildPids, c.buildTimeoutS, c.keepReleaseImages]).toEqual([1.5, 256, 60, 3]);
  });
  it('refuses nonsense', () => {
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_BUILD_CPUS: 'lots' })).toThrow(/PAAS_BUILD_CPUS/);
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_BUILD_TIMEOUT_S: '0' })).toThrow(/PAAS_BUILD_TIMEOUT_S/);
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_KEEP_RELEASE_IMAGES: '0' })).toThrow(
      /PAAS_KEEP_RELEASE_IMAGES/,
    );
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_BUILD_PIDS: '3' })).toThrow(/PAAS_BUILD_PIDS/);
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_BUILD_DISK_MB: '10' })).toThrow(/PAAS_BUILD_DISK_MB/);
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_BUILD_CACHE_MB: '1' })).toThrow(/PAAS_BUILD_CACHE_MB/);
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_BUILD_DISK_LIMITS: 'yes' })).toThrow(
      /PAAS_BUILD_DISK_LIMITS must be true or false/,
    );
  });
});
