import { describe, expect, it } from 'vitest';
import { eachLimited } from '../../../services/core/pool.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('eachLimited', () => {
  it('never runs more than the limit at once, starts in order and runs every item', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await eachLimited(
      [1, 2, 3, 4, 5, 6, 7],
      3,
      async (n) => {
        started.push(n);
        most = Math.max(most, ++running);
        await tick();
        running--;
      },
      () => undefined,
    );
    expect(most).toBe(3);
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a failure goes to onError and the others still run', async () => {
    const done: number[] = [];
    const failed: number[] = [];
    await eachLimited(
      [1, 2, 3],
      1,
      async (n) => {
        if (n === 2) throw new Error('boom');
        done.push(n);
      },
      (_e, n) => failed.push(n),
    );
    expect(done).toEqual([1, 3]);
    expect(failed).toEqual([2]);
  });

  it('with nothing to do, resolves at once', async () => {
    await expect(
      eachLimited(
        [],
        4,
        async () => undefined,
        () => undefined,
      ),
    ).resolves.toBeUndefined();
  });
});
