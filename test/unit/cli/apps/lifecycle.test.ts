import { describe, expect, it } from 'vitest';
import { destroyTarget } from '../../../../cli/commands/apps/destroy.js';
import { domainsText } from '../../../../cli/commands/domains/index.js';
import { domainPath } from '../../../../cli/commands/domains/remove.js';
import { maintenanceText } from '../../../../cli/commands/maintenance/index.js';
import { CliError } from '../../../../cli/context.js';
import { remoteIsApp } from '../../../../cli/git.js';

describe('destroyTarget', () => {
  it('takes the argument, else --app, else the remote, when --confirm matches', () => {
    expect(destroyTarget('a-app', 'b-app', 'c-app', 'a-app')).toBe('a-app');
    expect(destroyTarget(undefined, 'b-app', 'c-app', 'b-app')).toBe('b-app');
    expect(destroyTarget(undefined, undefined, 'c-app', 'c-app')).toBe('c-app');
  });
  it('refuses without a matching --confirm, saying how to proceed', () => {
    expect(() => destroyTarget('my-app', undefined, undefined, undefined)).toThrow(CliError);
    expect(() => destroyTarget('my-app', undefined, undefined, 'other')).toThrow(
      'To proceed, type paas apps:destroy my-app --confirm my-app',
    );
    expect(() => destroyTarget(undefined, undefined, 'my-app', 'my-ap')).toThrow('This will delete my-app');
  });
  it('refuses when no app is named anywhere', () => {
    expect(() => destroyTarget(undefined, undefined, undefined, 'x')).toThrow('No app specified');
  });
});

describe('remoteIsApp', () => {
  it('follows only a remote that points at the app', () => {
    expect(remoteIsApp('ssh://git@127.0.0.1:2222/old-name.git', 'old-name')).toBe(true);
    expect(remoteIsApp('ssh://git@127.0.0.1:2222/other.git', 'old-name')).toBe(false);
    expect(remoteIsApp(undefined, 'old-name')).toBe(false);
  });
});

describe('domains output', () => {
  it('shows the default domain, then the custom ones or how to add one', () => {
    const d = (hostname: string, kind: 'default' | 'custom') => ({ id: hostname, hostname, kind, created_at: '' });
    expect(domainsText('shop', [d('shop.localhost', 'default'), d('www.shop.com', 'custom')])).toBe(
      [
        '=== shop Default Domain',
        'shop.localhost',
        '',
        '=== shop Custom Domains',
        'Domain Name',
        '────────────',
        'www.shop.com',
      ].join('\n'),
    );
    expect(domainsText('shop', [d('shop.localhost', 'default')])).toContain('=== shop has no custom domains');
  });
  it('escapes the hostname in the path', () => {
    expect(domainPath('shop', ' WWW.Shop.com ')).toBe('/apps/shop/domains/www.shop.com');
    expect(domainPath('shop', '../x?y')).toBe('/apps/shop/domains/..%2Fx%3Fy');
    expect(maintenanceText(true)).toBe('on');
    expect(maintenanceText(false)).toBe('off');
  });
});
