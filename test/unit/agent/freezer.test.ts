import { describe, expect, it } from 'vitest';
import { Freezer, frozenBudgetMb } from '../../../services/agent/freezer.js';

describe('the frozen tier', () => {
  it('admits a container while the frozen ones and it fit the budget', () => {
    const f = new Freezer();
    expect(f.admits(100, 100)).toBe(true);
    f.note({ id: 'a', mb: 60, at: 1 });
    expect(f.admits(40, 100)).toBe(true);
    expect(f.admits(41, 100)).toBe(false);
    expect(f.heldMb()).toBe(60);
  });

  it('stops the longest frozen first, only as many as the budget needs', () => {
    const f = new Freezer();
    f.note({ id: 'new', mb: 50, at: 3 });
    f.note({ id: 'old', mb: 30, at: 1 });
    f.note({ id: 'mid', mb: 40, at: 2 });
    expect(f.overBudget(120)).toEqual([]);
    expect(f.overBudget(100)).toEqual(['old']);
    expect(f.overBudget(60)).toEqual(['old', 'mid']);
    expect(f.overBudget(0)).toEqual(['old', 'mid', 'new']);
  });

  it('forgets a woken or removed container, and a measurement replaces the first note', () => {
    const f = new Freezer();
    f.note({ id: 'a', mb: 0, at: 1 });
    f.note({ id: 'a', mb: 25, at: 1 });
    expect(f.heldMb()).toBe(25);
    f.forget('a');
    expect(f.has('a')).toBe(false);
    expect(f.overBudget(0)).toEqual([]);
  });

  it('the budget never exceeds what the running containers leave of the host', () => {
    expect(frozenBudgetMb(2048, 24_000, 1000)).toBe(2048);
    expect(frozenBudgetMb(2048, 4096, 3000)).toBe(1096);
    expect(frozenBudgetMb(2048, 4096, 8192)).toBe(0); // overcommitted
    expect(frozenBudgetMb(0, 4096, 0)).toBe(0); // off
  });
});
