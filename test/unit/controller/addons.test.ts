import { describe, expect, it } from 'vitest';
import type { AddonRecord } from '../../../services/core/addons.js';
import { addonState, addonView } from '../../../services/controller/addons/views.js';
import { forceOf } from '../../../services/controller/addons/addons.js';
import { configRelease } from '../../../services/controller/configvars/configvars.js';

const rec: AddonRecord = {
  id: 'id-1',
  name: 'paas-postgresql-aqua',
  kind: 'postgresql',
  plan: 'small',
  app: 'shop',
  password: 'secret',
  createdBy: 'u1',
  createdAt: 'T',
};

describe('addonState', () => {
  const assignment = { host: 'h1', addonId: 'id-1' };
  it('is provisioning before a host is assigned, starting until its agent reports, then what the agent says', () => {
    expect(addonState(rec, { hostUp: false })).toBe('provisioning');
    expect(addonState(rec, { assignment, hostUp: true })).toBe('starting');
    const up = { state: 'up' as const, restarts: 0, host: 'h1', addonId: 'id-1' };
    expect(addonState(rec, { assignment, instance: up, hostUp: true })).toBe('up');
    expect(addonState(rec, { assignment, instance: { ...up, state: 'crashed' }, hostUp: true })).toBe('crashed');
  });

  it('is unreachable while its host is down, and ignores records of an earlier add-on of the same name', () => {
    expect(addonState(rec, { assignment, hostUp: false })).toBe('unreachable');
    expect(addonState(rec, { assignment: { ...assignment, addonId: 'old' }, hostUp: true })).toBe('provisioning');
    const old = { state: 'up' as const, restarts: 0, host: 'h1', addonId: 'old' };
    expect(addonState(rec, { assignment, instance: old, hostUp: true })).toBe('starting');
  });
});

describe('addonView', () => {
  it('lists its attachments, its owner first, and never its password', () => {
    const v = addonView(rec, [
      { app: 'zeta', addon: rec.name, alias: 'DB', vars: ['DB_URL'], createdAt: 'T' },
      { app: 'shop', addon: rec.name, alias: 'PAAS_POSTGRESQL_AQUA', vars: ['DATABASE_URL'], createdAt: 'T' },
      { app: 'other', addon: 'paas-redis-red', alias: 'X', vars: [], createdAt: 'T' },
    ]);
    expect(v.attachments.map((a) => a.app)).toEqual(['shop', 'zeta']);
    expect(v).toMatchObject({ memory_mb: 256, cpu_shares: 256, state: 'provisioning', host: null });
    expect(JSON.stringify(v)).not.toContain('secret');
  });
});

describe('the release of an attach or detach (configRelease, as config:set makes it)', () => {
  const previous = {
    app: 'shop',
    version: 3,
    image: 'img',
    config: { A: '1', DATABASE_URL: 'u' },
    processTypes: { web: 'npm start' },
    description: '',
    createdBy: 'u',
    createdAt: 'T',
    commit: 'abc',
  };
  const user = { id: 'u2', email: 'e', admin: false, createdAt: 'T' };

  it('keeps the image, process types and commit, with the described change', () => {
    const r = configRelease(previous, new Map([['X_URL', 'v']]), { user, description: 'Attach X' });
    expect(r).toMatchObject({ image: 'img', commit: 'abc', description: 'Attach X', createdBy: 'u2' });
    expect(r.config).toEqual({ A: '1', DATABASE_URL: 'u', X_URL: 'v' });
  });

  it('refuses an unchanged config unless asked (a detach whose vars were unset by hand)', () => {
    const gone = new Map([['GONE', null]]);
    expect(() => configRelease(previous, gone, { user })).toThrow(/No config vars changed/);
    expect(configRelease(previous, gone, { user, evenUnchanged: true }).config).toEqual(previous.config);
  });

  it('forces a destroy only for force=true or 1', () => {
    expect([forceOf('true'), forceOf('1'), forceOf('yes'), forceOf(undefined)]).toEqual([true, true, false, false]);
  });
});
