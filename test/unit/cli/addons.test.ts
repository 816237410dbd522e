import { describe, expect, it } from 'vitest';
import { createRequest } from '../../../cli/commands/addons/create.js';
import { destroyPath } from '../../../cli/commands/addons/destroy.js';
import { addonInfoText, addonsText } from '../../../cli/commands/addons/format.js';
import type { AddonView } from '../../../services/core/api.js';

const view: AddonView = {
  id: 'i',
  name: 'paas-postgresql-aqua',
  kind: 'postgresql',
  plan: 'small',
  app: 'shop',
  memory_mb: 256,
  cpu_shares: 256,
  state: 'up',
  host: 'h1',
  restarts: 1,
  created_at: 'T',
  attachments: [
    { app: 'shop', name: 'PAAS_POSTGRESQL_AQUA', config_vars: ['DATABASE_URL', 'PAAS_POSTGRESQL_AQUA_URL'] },
  ],
};

describe('addons commands', () => {
  it('send only the options given', () => {
    expect(createRequest('postgresql', {})).toEqual({ kind: 'postgresql' });
    expect(createRequest('redis', { plan: 'standard', as: 'cache' })).toEqual({
      kind: 'redis',
      plan: 'standard',
      as: 'cache',
    });
  });

  it('destroy needs --confirm before asking the API, and sends force only when given', () => {
    expect(() => destroyPath('paas-redis-red', {})).toThrow(/--confirm/);
    expect(destroyPath('paas-redis-red', { confirm: 'shop' })).toBe('/addons/paas-redis-red?confirm=shop');
    expect(destroyPath('paas-redis-red', { confirm: 'shop', force: true })).toBe(
      '/addons/paas-redis-red?confirm=shop&force=true',
    );
  });

  it('print a table and an info page', () => {
    expect(addonsText([], 'shop')).toMatch(/No add-ons for shop/);
    expect(addonsText([view], 'shop')).toMatch(/paas-postgresql-aqua\s+postgresql \(small\)\s+shop\s+up\s+shop::PAAS/);
    expect(addonInfoText(view)).toMatch(/State:\s+up/);
    expect(addonInfoText(view)).toMatch(/256 MB, 0.25 CPU/);
  });
});
