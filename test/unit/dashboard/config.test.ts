import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoDir, loadConfig, sessionKeyOf } from '../../../services/dashboard/config.js';

const base = { PAAS_INTERNAL_TOKEN: 'internal-0123456789' };

describe('dashboard config', () => {
  it('has defaults: 127.0.0.1:8702, the local API, <repo>/dist/dashboard, metrics on 8715', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      listenHost: '127.0.0.1',
      port: 8702,
      apiUrl: 'http://127.0.0.1:8700',
      logLevel: 'info',
      metrics: { host: '127.0.0.1', port: 8715 },
    });
    expect(c.assetsDir).toBe(join(findRepoDir(), 'dist', 'dashboard'));
    expect(existsSync(join(findRepoDir(), 'package.json'))).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads its settings', () => {
    const c = loadConfig({
      ...base,
      PAAS_DASHBOARD_PORT: '18702',
      PAAS_DASHBOARD_LISTEN: '0.0.0.0',
      PAAS_API_URL: 'http://10.0.0.2:18700/',
      PAAS_DASHBOARD_ASSETS: '/srv/ui',
      PAAS_DASHBOARD_METRICS_PORT: '0',
    });
    expect(c).toMatchObject({
      port: 18702,
      listenHost: '0.0.0.0',
      apiUrl: 'http://10.0.0.2:18700',
      assetsDir: '/srv/ui',
    });
    expect(c.metrics).toBeUndefined();
    expect(loadConfig({ ...base, PAAS_API_PORT: '18700' }).apiUrl).toBe('http://127.0.0.1:18700');
  });

  it('makes the session key from PAAS_DASHBOARD_SECRET, else from the internal token', () => {
    const secret = 's'.repeat(32);
    expect(loadConfig({ ...base, PAAS_DASHBOARD_SECRET: secret }).sessionKey).toEqual(sessionKeyOf(secret, 'secret'));
    const fromInternal = loadConfig(base).sessionKey;
    expect(fromInternal).toHaveLength(32);
    expect(fromInternal).toEqual(sessionKeyOf(base.PAAS_INTERNAL_TOKEN, 'internal-token'));
    expect(fromInternal.toString('latin1')).not.toContain('internal');
    expect(sessionKeyOf('x'.repeat(40), 'secret')).not.toEqual(sessionKeyOf('x'.repeat(40), 'internal-token'));
  });

  it('refuses bad settings, naming them', () => {
    expect(() => loadConfig({})).toThrow(/PAAS_DASHBOARD_SECRET or PAAS_INTERNAL_TOKEN/);
    expect(() => loadConfig({ ...base, PAAS_DASHBOARD_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() => loadConfig({ ...base, PAAS_DASHBOARD_PORT: '70000' })).toThrow(/PAAS_DASHBOARD_PORT/);
    expect(() => loadConfig({ ...base, PAAS_DASHBOARD_PORT: 'x' })).toThrow(/PAAS_DASHBOARD_PORT/);
    expect(() => loadConfig({ ...base, PAAS_DASHBOARD_LISTEN: 'localhost' })).toThrow(/PAAS_DASHBOARD_LISTEN/);
    expect(() => loadConfig({ ...base, PAAS_API_URL: 'ftp://x' })).toThrow(/PAAS_API_URL/);
    expect(() => loadConfig({ ...base, PAAS_API_URL: 'nope' })).toThrow(/PAAS_API_URL/);
    expect(() => loadConfig({ ...base, PAAS_DASHBOARD_METRICS_PORT: '-1' })).toThrow(/PAAS_DASHBOARD_METRICS_PORT/);
  });
});
