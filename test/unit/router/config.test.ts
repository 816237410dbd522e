import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../services/router/config.js';

describe('router loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      httpPort: 80,
      controlPort: 8701,
      domain: 'localhost',
      httpListen: '0.0.0.0',
      nginxBin: 'nginx',
      nginxDir: '/var/lib/paas/nginx',
      maxBodyMb: 100,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('reads overrides', () => {
    const c = loadConfig({
      PAAS_STATE_DIR: '/tmp/s',
      PAAS_HTTP_PORT: '8080',
      PAAS_ROUTER_CONTROL_PORT: '9001',
      PAAS_DOMAIN: 'Apps.Example.com',
      PAAS_HTTP_LISTEN: '127.0.0.1',
    });
    expect(c).toMatchObject({
      httpPort: 8080,
      controlPort: 9001,
      domain: 'apps.example.com',
      httpListen: '127.0.0.1',
      nginxDir: '/tmp/s/nginx',
    });
  });
  it('refuses bad values', () => {
    expect(() => loadConfig({ PAAS_DOMAIN: 'bad domain' })).toThrow(/PAAS_DOMAIN/);
    expect(() => loadConfig({ PAAS_HTTP_PORT: '70000' })).toThrow(/PAAS_HTTP_PORT/);
    expect(() => loadConfig({ PAAS_HTTP_LISTEN: 'everywhere' })).toThrow(/PAAS_HTTP_LISTEN/);
    expect(() => loadConfig({ PAAS_HTTP_PORT: '8701' })).toThrow(/differ/);
    expect(() => loadConfig({ PAAS_ROUTER_MAX_BODY_MB: '0' })).toThrow(/PAAS_ROUTER_MAX_BODY_MB/);
    expect(() => loadConfig({ PAAS_ROUTER_MAX_BODY_MB: '1.5' })).toThrow(/PAAS_ROUTER_MAX_BODY_MB/);
    expect(loadConfig({ PAAS_ROUTER_MAX_BODY_MB: '7' }).maxBodyMb).toBe(7);
    for (const bad of ['0', '65', '1.5', 'many'])
      expect(() => loadConfig({ PAAS_NGINX_WORKERS: bad })).toThrow(/PAAS_NGINX_WORKERS/);
  });
  it('runs 2 nginx workers (1 on one CPU) unless told: a count or auto', () => {
    expect([1, 2]).toContain(loadConfig({}).nginxWorkers);
    expect(loadConfig({ PAAS_NGINX_WORKERS: '4' }).nginxWorkers).toBe(4);
    expect(loadConfig({ PAAS_NGINX_WORKERS: 'auto' }).nginxWorkers).toBe('auto');
  });
});
