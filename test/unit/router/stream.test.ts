import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../services/core/config.js';
import { isUpstream, renderStream, sshProxySetting } from '../../../services/router/stream.js';

// The git remote's TCP proxy block (services/router/stream.ts): pure rendering and its settings.

describe('renderStream', () => {
  const proxy = { listen: '127.0.0.1', port: 2222, upstreams: ['127.0.0.1:8723', '127.0.0.1:8724'] };

  it('renders nothing without a proxy', () => {
    expect(renderStream(undefined, '/var/lib/paas/nginx')).toBe('');
  });

  it('listens with reuseport on the remote port and makes the later builders backups of the first', () => {
    const out = renderStream(proxy, '/var/lib/paas/nginx');
    expect(out).toContain('listen 127.0.0.1:2222 reuseport;');
    expect(out).toMatch(/server 127\.0\.0\.1:8723 max_fails=1 fail_timeout=\d+s;\n/);
    expect(out).toMatch(/server 127\.0\.0\.1:8724 max_fails=1 fail_timeout=\d+s backup;\n/);
    expect(out).toContain('proxy_next_upstream_tries 2;');
    expect(out).toContain('access_log /var/lib/paas/nginx/logs/ssh.log');
  });

  it('round robin has no backup', () => {
    expect(renderStream({ ...proxy, balance: 'round-robin' }, '/x')).not.toContain('backup');
  });

  it('refuses upstreams nginx could misread, and itself as an upstream', () => {
    expect(() => renderStream({ ...proxy, upstreams: ['127.0.0.1:1; include /etc/passwd'] }, '/x')).toThrow(
      /not an IP address and port/,
    );
    expect(() => renderStream({ ...proxy, upstreams: ['127.0.0.1:2222'] }, '/x')).toThrow(/own/);
    expect(() => renderStream({ ...proxy, upstreams: [] }, '/x')).toThrow(/at least one/);
    expect(() => renderStream({ ...proxy, listen: 'localhost' }, '/x')).toThrow(/IP address/);
  });

  it('isUpstream takes IPv4 and bracketed IPv6 with a port', () => {
    expect(isUpstream('10.0.0.1:22')).toBe(true);
    expect(isUpstream('[::1]:22')).toBe(true);
    expect(isUpstream('host:22')).toBe(false);
    expect(isUpstream('10.0.0.1:70000')).toBe(false);
    expect(isUpstream('999.0.0.1:22')).toBe(false);
  });
});

describe('sshProxySetting', () => {
  it('is off unless PAAS_ROUTER_SSH_UPSTREAMS names builders', () => {
    expect(sshProxySetting({})).toBeUndefined();
    expect(sshProxySetting({ PAAS_ROUTER_SSH_UPSTREAMS: '' })).toBeUndefined();
  });

  it('takes the remote port from PAAS_SSH_PORT', () => {
    expect(
      sshProxySetting({ PAAS_ROUTER_SSH_UPSTREAMS: '127.0.0.1:18723, 127.0.0.1:18724', PAAS_SSH_PORT: '12222' }),
    ).toEqual({
      listen: '127.0.0.1',
      port: 12222,
      upstreams: ['127.0.0.1:18723', '127.0.0.1:18724'],
      balance: 'first',
    });
  });

  it('refuses a bad balance or upstream as a ConfigError', () => {
    expect(() => sshProxySetting({ PAAS_ROUTER_SSH_UPSTREAMS: '127.0.0.1:1', PAAS_ROUTER_SSH_BALANCE: 'x' })).toThrow(
      ConfigError,
    );
    expect(() => sshProxySetting({ PAAS_ROUTER_SSH_UPSTREAMS: 'builder:22' })).toThrow(ConfigError);
  });
});
