import { describe, expect, it } from 'vitest';
import { PaasError } from '../../../services/core/errors.js';
import type { BuildRecord } from '../../../services/core/builds.js';
import { buildView, parseBuildUpdate, parseNewBuild } from '../../../services/controller/builds/builds.js';

const SHA = 'c'.repeat(40);

function refused(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof PaasError) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('not refused');
}

describe('parseNewBuild', () => {
  it('takes an id, a full commit and the pusher', () => {
    expect(
      parseNewBuild({ id: '20260101-000000-abcdef', commit: SHA, user: { id: 'u1', email: 'a@b.c' }, extra: 1 }),
    ).toEqual({ id: '20260101-000000-abcdef', commit: SHA, user: { id: 'u1', email: 'a@b.c' } });
  });
  it('refuses what could make a key or lie', () => {
    expect(refused(() => parseNewBuild({ id: '../x', commit: SHA, user: { id: 'u', email: 'e' } }))).toBe(
      'invalid_params: id must be a build id',
    );
    expect(refused(() => parseNewBuild({ id: 'x', commit: 'abc', user: { id: 'u', email: 'e' } }))).toBe(
      'invalid_params: commit must be a full commit sha',
    );
    expect(refused(() => parseNewBuild({ id: 'x', commit: SHA, user: { id: 'a/b', email: 'e' } }))).toBe(
      'invalid_params: user must be {id, email}',
    );
  });
});

describe('parseBuildUpdate', () => {
  it('takes status, phases (rounded), release, failure and lines to append', () => {
    expect(
      parseBuildUpdate({ status: 'failed', phases: { compile: 12.6 }, release: 3, failure: 'no', append: ['a'] }),
    ).toEqual({ status: 'failed', phases: { compile: 13 }, release: 3, failure: 'no', append: ['a'] });
    expect(parseBuildUpdate({})).toEqual({});
    expect(parseBuildUpdate({ append: ['migrated'], alreadyLogged: true })).toEqual({
      append: ['migrated'],
      alreadyLogged: true,
    });
  });
  it('refuses unknown statuses and phases, bad numbers and lines', () => {
    expect(refused(() => parseBuildUpdate({ status: 'done' }))).toBe(
      'invalid_params: status must be one of pending, building, succeeded, failed',
    );
    expect(refused(() => parseBuildUpdate({ phases: { nap: 1 } }))).toBe('invalid_params: unknown phase "nap"');
    expect(refused(() => parseBuildUpdate({ phases: { fetch: -1 } }))).toBe(
      'invalid_params: phase fetch must be a number of ms',
    );
    expect(refused(() => parseBuildUpdate({ release: 0 }))).toBe('invalid_params: release must be a release version');
    expect(refused(() => parseBuildUpdate({ append: [1] }))).toBe(
      'invalid_params: append must be an array of at most 20000 output lines',
    );
    expect(refused(() => parseBuildUpdate({ alreadyLogged: 'yes' }))).toBe(
      'invalid_params: alreadyLogged must be true or false',
    );
  });
});

describe('buildView', () => {
  it("uses Heroku's field names", () => {
    const rec = {
      id: 'b',
      app: 'a',
      status: 'succeeded',
      commit: SHA,
      user: { id: 'u', email: 'e' },
      createdAt: 't0',
      updatedAt: 't1',
      release: 2,
      phases: { fetch: 1 },
      failure: null,
    } satisfies BuildRecord;
    expect(buildView(rec)).toEqual({
      id: 'b',
      app: { name: 'a' },
      status: 'succeeded',
      source_blob: { version: SHA },
      user: { id: 'u', email: 'e' },
      created_at: 't0',
      updated_at: 't1',
      release: { version: 2 },
      phases: { fetch: 1 },
      failure: null,
      slug: { id: 'a/v2' },
    });
    expect(buildView({ ...rec, release: null }).slug).toBeNull();
  });
});
