import { describe, expect, it } from 'vitest';
import {
  addonAssignment,
  addonName,
  addonUrl,
  attachmentVars,
  defaultAlias,
  parseAlias,
  parseKind,
  parsePlan,
  type AddonRecord,
} from '../../../services/core/addons.js';
import { PaasError } from '../../../services/core/errors.js';

const rec: AddonRecord = {
  id: 'id-1',
  name: 'paas-postgresql-aqua',
  kind: 'postgresql',
  plan: 'small',
  app: 'shop',
  password: 'pw/with+odd=chars',
  createdBy: 'u1',
  createdAt: '2026-12-07T00:00:00.000Z',
};

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return err instanceof PaasError ? err.code : 'not a PaasError';
  }
  return undefined;
};

describe('add-on kinds and plans', () => {
  it('knows postgresql and redis, by Heroku names too, and refuses anything else with a 422', () => {
    expect(parseKind('postgresql')).toBe('postgresql');
    expect(parseKind('heroku-postgresql')).toBe('postgresql');
    expect(parseKind('Redis')).toBe('redis');
    expect(codeOf(() => parseKind('mysql'))).toBe('invalid_params');
    expect(codeOf(() => parseKind(undefined))).toBe('invalid_params');
    expect(() => parseKind('mongodb')).toThrow(/postgresql or redis/);
  });

  it('has small (the default) and standard plans with memory and CPU', () => {
    expect(parsePlan(undefined)).toEqual({ name: 'small', memoryMb: 256, cpuShares: 256 });
    expect(parsePlan('STANDARD')).toEqual({ name: 'standard', memoryMb: 1024, cpuShares: 1024 });
    expect(codeOf(() => parsePlan('huge'))).toBe('invalid_params');
    expect(codeOf(() => parsePlan(3))).toBe('invalid_params');
  });
});

describe('add-on names', () => {
  it('are paas-<kind>-<color>, starting at a random color and skipping taken ones', () => {
    expect(addonName('postgresql', new Set(), () => 0.03)).toBe('paas-postgresql-aqua');
    expect(addonName('postgresql', new Set(['paas-postgresql-aqua']), () => 0.03)).toBe('paas-postgresql-azure');
    expect(addonName('redis', new Set(), () => 0)).toBe('paas-redis-amber');
  });

  it('get a number once every color is taken', () => {
    const taken = new Set<string>();
    for (let i = 0; i < 100; i++) taken.add(addonName('redis', taken, () => 0.5));
    expect(taken.size).toBe(100);
    expect([...taken].some((n) => /^paas-redis-[a-z]+-3$/.test(n))).toBe(true);
  });

  it('give aliases in capitals; --as is upper-cased, a _URL suffix dropped, bad ones refused', () => {
    expect(defaultAlias('paas-postgresql-aqua')).toBe('PAAS_POSTGRESQL_AQUA');
    expect(parseAlias(undefined, 'paas-redis-red')).toBe('PAAS_REDIS_RED');
    expect(parseAlias('reports_db', 'x')).toBe('REPORTS_DB');
    expect(parseAlias('CACHE_URL', 'x')).toBe('CACHE');
    expect(codeOf(() => parseAlias('9lives', 'x'))).toBe('invalid_params');
    expect(codeOf(() => parseAlias('a-b', 'x'))).toBe('invalid_params');
    expect(codeOf(() => parseAlias({}, 'x'))).toBe('invalid_params');
  });
});

describe('attachment config vars', () => {
  const url = 'postgres://paas:pw%2Fwith%2Bodd%3Dchars@paas-postgresql-aqua:5432/paas';

  it('is a URL naming the add-on as its host, the password escaped', () => {
    expect(addonUrl(rec)).toBe(url);
    expect(addonUrl({ ...rec, kind: 'redis', name: 'paas-redis-red', password: 'p' })).toBe(
      'redis://default:p@paas-redis-red:6379',
    );
  });

  it('sets <ALIAS>_URL, and DATABASE_URL for the first PostgreSQL of the app', () => {
    expect(Object.fromEntries(attachmentVars(rec, 'PAAS_POSTGRESQL_AQUA', {}, []))).toEqual({
      PAAS_POSTGRESQL_AQUA_URL: url,
      DATABASE_URL: url,
    });
    // a second one (DATABASE_URL already there): only its own var
    const second = attachmentVars({ ...rec, name: 'paas-postgresql-red' }, 'REPORTS', { DATABASE_URL: 'x' }, [
      { addon: 'paas-postgresql-aqua', alias: 'PAAS_POSTGRESQL_AQUA', vars: ['DATABASE_URL'] },
    ]);
    expect([...second.keys()]).toEqual(['REPORTS_URL']);
  });

  it('sets REDIS_URL for the first Redis; `--as DATABASE` makes only DATABASE_URL', () => {
    const redis = { ...rec, kind: 'redis' as const, name: 'paas-redis-red' };
    expect([...attachmentVars(redis, 'PAAS_REDIS_RED', { DATABASE_URL: 'x' }, []).keys()].sort()).toEqual([
      'PAAS_REDIS_RED_URL',
      'REDIS_URL',
    ]);
    expect([...attachmentVars(rec, 'DATABASE', {}, []).keys()]).toEqual(['DATABASE_URL']);
  });

  it('refuses (409) an alias or var taken, or the same add-on twice', () => {
    const att = [{ addon: rec.name, alias: 'PAAS_POSTGRESQL_AQUA', vars: [] }];
    expect(codeOf(() => attachmentVars(rec, 'OTHER', {}, att))).toBe('conflict');
    expect(
      codeOf(() =>
        attachmentVars({ ...rec, name: 'paas-postgresql-red' }, 'PAAS_POSTGRESQL_AQUA', {}, [
          { ...att[0]!, addon: 'x' },
        ]),
      ),
    ).toBe('conflict');
    expect(codeOf(() => attachmentVars(rec, 'MINE', { MINE_URL: 'set by hand' }, []))).toBe('conflict');
  });
});

describe('addonAssignment', () => {
  it("carries its plan's limits and the attached apps, sorted", () => {
    const a = addonAssignment({ record: { ...rec, plan: 'standard' }, apps: ['zeta', 'shop'] }, 'h1', 'T');
    expect(a).toMatchObject({ name: rec.name, host: 'h1', addonId: 'id-1', memoryMb: 1024, cpuShares: 1024 });
    expect(a.apps).toEqual(['shop', 'zeta']);
  });
});
