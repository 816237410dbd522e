import { describe, expect, it } from 'vitest';
import { parseHookLines, planPush } from '../../../../services/builder/push/hooklines.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);

describe('parseHookLines', () => {
  it('reads one update per line and skips blank lines', () => {
    expect(parseHookLines(`${Z} ${A} refs/heads/main\n\n${A} ${B} refs/tags/v1\n`)).toEqual({
      ok: true,
      updates: [
        { oldSha: Z, newSha: A, ref: 'refs/heads/main' },
        { oldSha: A, newSha: B, ref: 'refs/tags/v1' },
      ],
    });
  });

  it('refuses malformed lines', () => {
    expect(parseHookLines(`${A} refs/heads/main\n`).ok).toBe(false);
    expect(parseHookLines(`${A} xyz refs/heads/main\n`).ok).toBe(false);
    expect(parseHookLines(`${A} ${B} refs/heads/main extra\n`).ok).toBe(false);
  });
});

describe('planPush', () => {
  it('builds the new commit of main or master', () => {
    expect(planPush([{ oldSha: Z, newSha: A, ref: 'refs/heads/main' }])).toEqual({
      ok: true,
      commit: A,
      ref: 'refs/heads/main',
    });
    expect(planPush([{ oldSha: A, newSha: B, ref: 'refs/heads/master' }])).toEqual({
      ok: true,
      commit: B,
      ref: 'refs/heads/master',
    });
  });

  it('refuses other refs, deletes, several branches and empty pushes', () => {
    const refused = [
      [{ oldSha: Z, newSha: A, ref: 'refs/heads/feature' }],
      [{ oldSha: Z, newSha: A, ref: 'refs/tags/v1' }],
      [{ oldSha: A, newSha: Z, ref: 'refs/heads/main' }],
      [
        { oldSha: Z, newSha: A, ref: 'refs/heads/main' },
        { oldSha: Z, newSha: B, ref: 'refs/heads/master' },
      ],
      [],
    ];
    for (const updates of refused) expect(planPush(updates).ok, JSON.stringify(updates)).toBe(false);
    const del = planPush([{ oldSha: A, newSha: Z, ref: 'refs/heads/main' }]);
    expect(!del.ok && del.message).toMatch(/Deleting refs\/heads\/main/);
    const other = planPush([{ oldSha: Z, newSha: A, ref: 'refs/heads/feature' }]);
    expect(!other.ok && other.message).toMatch(/push to main/);
  });
});
