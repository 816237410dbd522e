import { describe, expect, it } from 'vitest';
import { PaasError } from '../../../services/core/errors.js';
import type { Release } from '../../../services/core/types.js';
import {
  applyConfigPatch,
  checkConfigLimits,
  configDescription,
  keyProblem,
  LIMITS,
  parseConfigPatch,
} from '../../../services/controller/configvars/configvars.js';
import { parseReleaseRef, releaseInfoView, rollbackProblem } from '../../../services/controller/releases/releases.js';

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof PaasError && e.code === 'invalid_params') return e.message;
    throw e;
  }
  throw new Error('expected an invalid_params refusal');
}

describe('parseConfigPatch', () => {
  it('keeps strings to set and nulls to remove, in order', () => {
    const p = parseConfigPatch({ FOO: 'bar', _x1: '', GONE: null, URL: 'a=b=c' });
    expect([...p]).toEqual([
      ['FOO', 'bar'],
      ['_x1', ''],
      ['GONE', null],
      ['URL', 'a=b=c'],
    ]);
  });

  it('refuses an empty body', () => {
    expect(refusal(() => parseConfigPatch({}))).toMatch(/No config vars given/);
  });

  it('refuses bad names, naming them', () => {
    for (const key of ['1ABC', 'A-B', 'A B', '', 'É', 'A.B', 'A=B']) {
      expect(refusal(() => parseConfigPatch({ OK: 'x', [key]: 'v' }))).toContain(
        `Invalid config var name ${JSON.stringify(key)}`,
      );
    }
  });

  it('refuses the keys the platform sets, to set or to remove', () => {
    expect(refusal(() => parseConfigPatch({ PORT: '80' }))).toBe('PORT is set by the platform and cannot be changed');
    expect(refusal(() => parseConfigPatch({ DYNO: null }))).toMatch(/^DYNO is set by the platform/);
    expect(refusal(() => parseConfigPatch({ PAAS_TOKEN: 'x' }))).toMatch(
      /^PAAS_TOKEN: names starting with PAAS_ are reserved/,
    );
    expect(keyProblem('port')).toBeUndefined();
    expect(keyProblem('MY_PAAS_THING')).toBeUndefined();
  });

  it('refuses values that are not strings or null', () => {
    expect(refusal(() => parseConfigPatch({ N: 1 }))).toBe(
      'The value of N must be a string (or null to remove it), not number',
    );
    expect(refusal(() => parseConfigPatch({ B: true }))).toMatch(/not boolean/);
    expect(refusal(() => parseConfigPatch({ O: { a: 1 } }))).toMatch(/not object/);
    expect(refusal(() => parseConfigPatch({ A: ['x'] }))).toMatch(/not an array/);
  });

  it('refuses a value over 32 KiB counted in UTF-8 bytes; exactly 32 KiB is fine', () => {
    expect(parseConfigPatch({ BIG: 'x'.repeat(LIMITS.valueBytes) }).get('BIG')).toHaveLength(32 * 1024);
    expect(refusal(() => parseConfigPatch({ BIG: 'x'.repeat(LIMITS.valueBytes + 1) }))).toBe(
      'The value of BIG is 32769 bytes; the limit is 32768 bytes (32 KiB)',
    );
    expect(refusal(() => parseConfigPatch({ E: 'é'.repeat(LIMITS.valueBytes / 2 + 1) }))).toMatch(
      /^The value of E is 32770 bytes/,
    );
  });

  it('refuses more than 500 keys in one change', () => {
    const body = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`K${i}`, 'v']));
    expect(refusal(() => parseConfigPatch(body))).toMatch(/limit is 500/);
  });
});

describe('applyConfigPatch', () => {
  it('sets, replaces and removes, reporting only real changes, keys sorted', () => {
    const r = applyConfigPatch(
      { B: '1', A: '2', C: '3' },
      parseConfigPatch({ B: '1', A: 'new', C: null, D: '', MISSING: null }),
    );
    expect(r.config).toEqual({ A: 'new', B: '1', D: '' });
    expect(Object.keys(r.config)).toEqual(['A', 'B', 'D']);
    expect(r.set).toEqual(['A', 'D']);
    expect(r.removed).toEqual(['C']);
  });

  it('does not touch the current config', () => {
    const cur = { A: '1' };
    applyConfigPatch(cur, parseConfigPatch({ A: null, B: '2' }));
    expect(cur).toEqual({ A: '1' });
  });

  it('reports no change when everything already is as asked', () => {
    expect(applyConfigPatch({ A: '1' }, parseConfigPatch({ A: '1', B: null }))).toEqual({
      config: { A: '1' },
      set: [],
      removed: [],
    });
  });

  it('treats __proto__ as a plain key: stored as data, no prototype changed', () => {
    const body = JSON.parse('{"__proto__": "x", "constructor": "y"}') as Record<string, unknown>;
    const r = applyConfigPatch({}, parseConfigPatch(body));
    expect(Object.keys(r.config)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(r.config)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(r.config))).toEqual(body);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('checkConfigLimits', () => {
  it('allows up to 64 KiB of keys and values, refuses more', () => {
    const half = 'x'.repeat(32 * 1024 - 1);
    expect(() => checkConfigLimits({ A: half, B: half })).not.toThrow(); // 2 * (1 + 32767) = 65536
    expect(refusal(() => checkConfigLimits({ A: half, BB: half }))).toBe(
      'The config would be 65537 bytes; the limit is 65536 bytes (64 KiB) for all keys and values',
    );
  });

  it('allows 500 keys, refuses 501', () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`K${i}`, '']));
    expect(() => checkConfigLimits(many(500))).not.toThrow();
    expect(refusal(() => checkConfigLimits(many(501)))).toMatch(/at most 500 config vars; this change would make 501/);
  });
});

describe('configDescription', () => {
  it('speaks as Heroku: set, remove, or both, singular or plural', () => {
    expect(configDescription(['FOO'], [])).toBe('Set FOO config var');
    expect(configDescription(['BAR', 'FOO'], [])).toBe('Set BAR, FOO config vars');
    expect(configDescription([], ['FOO'])).toBe('Remove FOO config var');
    expect(configDescription([], ['A', 'B'])).toBe('Remove A, B config vars');
    expect(configDescription(['A'], ['B', 'C'])).toBe('Set A config var and remove B, C config vars');
  });

  it('stays short with many keys', () => {
    const keys = Array.from({ length: 400 }, (_, i) => `SOME_LONG_KEY_${i}`);
    const d = configDescription(keys, []);
    expect(d.length).toBeLessThan(260);
    expect(d).toMatch(/^Set SOME_LONG_KEY_0, SOME_LONG_KEY_1, .* and \d+ more config vars$/);
  });
});

describe('parseReleaseRef', () => {
  it('accepts 12, "12", "v12" and the release id "<app>-v12"', () => {
    expect(parseReleaseRef(12, 'my-app')).toBe(12);
    expect(parseReleaseRef('12', 'my-app')).toBe(12);
    expect(parseReleaseRef('v12', 'my-app')).toBe(12);
    expect(parseReleaseRef('my-app-v12', 'my-app')).toBe(12);
  });

  it('refuses anything else', () => {
    for (const bad of [
      0,
      -1,
      1.5,
      1e11,
      NaN,
      '',
      'v',
      'vv1',
      '12a',
      ' 12',
      'other-app-v12',
      'my-app-v',
      null,
      undefined,
      {},
      [3],
      true,
    ]) {
      expect(refusal(() => parseReleaseRef(bad, 'my-app'))).toMatch(/^Not a release: .*give a version such as 12/);
    }
  });
});

describe('releases', () => {
  const rel = (version: number, image: string): Release => ({
    app: 'my-app',
    version,
    image,
    config: { A: '1' },
    processTypes: { web: 'npm start' },
    description: 'Deploy abc',
    createdBy: 'u1',
    createdAt: '2024-01-01T00:00:00.000Z',
  });

  it('refuses to roll back to a release with no build or to the current one', () => {
    expect(rollbackProblem(rel(1, ''), rel(3, 'img'))).toBe(
      'v1 has no build to roll back to (it was made before the first deploy)',
    );
    expect(rollbackProblem(rel(3, 'img'), rel(3, 'img'))).toBe('v3 is already the current release');
    expect(rollbackProblem(rel(2, 'img'), rel(3, 'img'))).toBeUndefined();
  });

  it('refuses to roll back to a build the platform no longer keeps', () => {
    const kept = { images: ['img:7', 'img:6'], n: 2 };
    expect(rollbackProblem(rel(5, 'img:5'), rel(7, 'img:7'), kept)).toBe(
      "v5's build has been cleaned up: the platform keeps the builds of the last 2 distinct releases (PAAS_KEEP_RELEASE_IMAGES)",
    );
    expect(rollbackProblem(rel(6, 'img:6'), rel(7, 'img:7'), kept)).toBeUndefined();
  });

  it('shows status, whether current, and the slug id <app>/v<N> of a release with an image', () => {
    const user = { id: 'u1', email: 'a@b.c', admin: false, createdAt: '' };
    expect(releaseInfoView(rel(2, 'img:1'), user, 2, { status: 'succeeded', failure: null })).toEqual({
      id: 'my-app-v2',
      version: 2,
      description: 'Deploy abc',
      commit: null,
      created_at: '2024-01-01T00:00:00.000Z',
      user: { id: 'u1', email: 'a@b.c' },
      status: 'succeeded',
      failure: null,
      current: true,
      slug: { id: 'my-app/v2' },
    });
    expect(releaseInfoView(rel(1, ''), undefined, 2)).toMatchObject({
      current: false,
      slug: null,
      user: { id: 'u1', email: null },
    });
  });
});
