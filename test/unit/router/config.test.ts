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
      wakeTimeoutS: 30,
      wakeMaxHeld: 4096,
      wakeSocket: '/var/lib/paas/nginx/router.sock',
      activityMs: 5000,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('serves the dashboard from 127.0.0.1:$PAAS_DASHBOARD_PORT unless told, or not at all with off', () => {
    expect(loadConfig({}).dashboardUpstream).toBe('127.0.0.1:8702');
    expect(loadConfig({ PAAS_DASHBOARD_PORT: '18702' }).dashboardUpstream).toBe('127.0.0.1:18702');
    expect(loadConfig({ PAAS_ROUTER_DASHBOARD_UPSTREAM: '10.0.0.5:9000' }).dashboardUpstream).toBe('10.0.0.5:9000');
    expect(loadConfig({ PAAS_ROUTER_DASHBOARD_UPSTREAM: 'off' }).dashboardUpstream).toBeUndefined();
    for (const v of ['localhost:8702', '127.0.0.1', '127.0.0.1:0', 'http://127.0.0.1:8702'])
      expect(() => loadConfig({ PAAS_ROUTER_DASHBOARD_UPSTREAM: v })).toThrow(/PAAS_ROUTER_DASHBOARD_UPSTREAM/);
  });
  it('counts requests for GET /metrics unless PAAS_ROUTER_REQUEST_METRICS is off', () => {
    expect(loadConfig({})).toMatchObject({ requestMetrics: true, metricsDictMb: 64 });
    for (const v of ['off', 'OFF', 'false'])
      expect(loadConfig({ PAAS_ROUTER_REQUEST_METRICS: v }).requestMetrics).toBe(false);
    for (const v of ['on', 'true', ''])
      expect(loadConfig({ PAAS_ROUTER_REQUEST_METRICS: v }).requestMetrics).toBe(true);
    expect(() => loadConfig({ PAAS_ROUTER_REQUEST_METRICS: 'no' })).toThrow(
      /PAAS_ROUTER_REQUEST_METRICS must be on or off/,
    );
    expect(loadConfig({ PAAS_ROUTER_METRICS_DICT_MB: '256' }).metricsDictMb).toBe(256);
    expect(() => loadConfig({ PAAS_ROUTER_METRICS_DICT_MB: '0' })).toThrow(/PAAS_ROUTER_METRICS_DICT_MB/);
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
  it('reads the HTTPS settings: the port (443; 0 or off: none), the fallback files, the dict', () => {
    expect(loadConfig({ PAAS_STATE_DIR: '/tmp/s' })).toMatchObject({
      httpsPort: 443,
      defaultCert: '/tmp/s/tls/default.crt',
      defaultKey: '/tmp/s/tls/default.key',
      certDictMb: 64,
    });
    expect(loadConfig({ PAAS_HTTPS_PORT: '8443' }).httpsPort).toBe(8443);
    expect(loadConfig({ PAAS_HTTPS_PORT: '0' }).httpsPort).toBeUndefined();
    expect(loadConfig({ PAAS_HTTPS_PORT: 'off' }).httpsPort).toBeUndefined();
    expect(loadConfig({ PAAS_HTTPS_PORT: 'OFF' }).httpsPort).toBeUndefined();
    const c = loadConfig({
      PAAS_ROUTER_DEFAULT_CERT: '/etc/paas/wild.crt',
      PAAS_ROUTER_DEFAULT_KEY: '/etc/paas/wild.key',
      PAAS_ROUTER_CERT_DICT_MB: '128',
    });
    expect(c).toMatchObject({ defaultCert: '/etc/paas/wild.crt', defaultKey: '/etc/paas/wild.key', certDictMb: 128 });
  });
  it("issues apps' own names from the platform CA while the fallback is the platform's, else when told", () => {
    expect(loadConfig({ PAAS_STATE_DIR: '/tmp/s' }).ca).toEqual({
      certificate: '/tmp/s/tls/ca.crt',
      key: '/tmp/s/tls/ca.key',
    });
    // scripts/up writes the default path into paas.env: still the platform's own
    expect(
      loadConfig({ PAAS_STATE_DIR: '/tmp/s', PAAS_ROUTER_DEFAULT_CERT: '/tmp/s/tls/default.crt' }).ca,
    ).toBeDefined();
    // an operator's fallback (a public wildcard) is served as it is
    expect(loadConfig({ PAAS_ROUTER_DEFAULT_CERT: '/etc/paas/wild.crt' }).ca).toBeUndefined();
    expect(
      loadConfig({
        PAAS_ROUTER_DEFAULT_CERT: '/etc/paas/wild.crt',
        PAAS_ROUTER_CA_CERT: '/etc/paas/ca.crt',
        PAAS_ROUTER_CA_KEY: '/etc/paas/ca.key',
      }).ca,
    ).toEqual({ certificate: '/etc/paas/ca.crt', key: '/etc/paas/ca.key' });
    expect(loadConfig({ PAAS_ROUTER_CA_CERT: 'off' }).ca).toBeUndefined();
    expect(() => loadConfig({ PAAS_ROUTER_CA_CERT: 'ca.crt' })).toThrow(/PAAS_ROUTER_CA_CERT/);
  });
  it('refuses bad HTTPS settings', () => {
    for (const bad of ['70000', 'on', '-1', '44.3'])
      expect(() => loadConfig({ PAAS_HTTPS_PORT: bad })).toThrow(/PAAS_HTTPS_PORT/);
    expect(() => loadConfig({ PAAS_HTTPS_PORT: '80' })).toThrow(/PAAS_HTTPS_PORT must differ/);
    expect(() => loadConfig({ PAAS_HTTPS_PORT: '8701' })).toThrow(/PAAS_HTTPS_PORT must differ/);
    expect(loadConfig({ PAAS_HTTPS_PORT: 'off', PAAS_HTTP_PORT: '443' }).httpPort).toBe(443);
    for (const bad of ['relative.crt', '/a b.crt', '/etc/../x.crt', '/x;.crt'])
      expect(() => loadConfig({ PAAS_ROUTER_DEFAULT_CERT: bad })).toThrow(/PAAS_ROUTER_DEFAULT_CERT/);
    expect(() => loadConfig({ PAAS_ROUTER_DEFAULT_KEY: 'k.pem' })).toThrow(/PAAS_ROUTER_DEFAULT_KEY/);
    for (const bad of ['0', '5000', 'x'])
      expect(() => loadConfig({ PAAS_ROUTER_CERT_DICT_MB: bad })).toThrow(/PAAS_ROUTER_CERT_DICT_MB/);
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

  it('reads the wake settings: seconds as written, the held bound, the activity period', () => {
    const c = loadConfig({
      PAAS_STATE_DIR: '/tmp/s',
      PAAS_ROUTER_WAKE_TIMEOUT: '2',
      PAAS_ROUTER_WAKE_MAX_HELD: '10',
      PAAS_ROUTER_ACTIVITY_MS: '250',
    });
    expect(c).toMatchObject({
      wakeTimeoutS: 2,
      wakeMaxHeld: 10,
      activityMs: 250,
      wakeSocket: '/tmp/s/nginx/router.sock',
    });
    expect(loadConfig({ PAAS_ROUTER_WAKE_TIMEOUT: '45s' }).wakeTimeoutS).toBe(45);
    expect(loadConfig({ PAAS_ROUTER_WAKE_TIMEOUT: ' 2.5 ' }).wakeTimeoutS).toBe(2.5);
  });
  it.each(['0', '0.5', '301', '-3', 'soon', '30m', '1e3', '2..5', 's'])(
    'refuses the wake timeout %j with a message naming the setting and the range',
    (v) =>
      expect(() => loadConfig({ PAAS_ROUTER_WAKE_TIMEOUT: v })).toThrow(
        /PAAS_ROUTER_WAKE_TIMEOUT must be a number of seconds from 1 to 300, got/,
      ),
  );
  it('refuses a bad held bound, activity period or a state dir too long for the socket', () => {
    expect(() => loadConfig({ PAAS_ROUTER_WAKE_MAX_HELD: '0' })).toThrow(/PAAS_ROUTER_WAKE_MAX_HELD must be 1\.\./);
    expect(() => loadConfig({ PAAS_ROUTER_WAKE_MAX_HELD: 'many' })).toThrow(/PAAS_ROUTER_WAKE_MAX_HELD/);
    expect(() => loadConfig({ PAAS_ROUTER_ACTIVITY_MS: '20000' })).toThrow(/PAAS_ROUTER_ACTIVITY_MS/);
    expect(() => loadConfig({ PAAS_STATE_DIR: `/${'x'.repeat(100)}` })).toThrow(/PAAS_STATE_DIR is too long/);
  });
});
