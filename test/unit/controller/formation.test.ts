import { describe, expect, it } from 'vitest';
import { sizeNameOf } from '../../../services/controller/ps/dynos.js';
import { checkRestartTarget, parseRestartTarget } from '../../../services/controller/ps/restarts.js';
import { applyUpdates, parseQuantity, parseUpdate, scalableTypes } from '../../../services/controller/ps/formation.js';

describe('formation updates', () => {
  it('reads absolute and relative quantities, refuses the rest', () => {
    expect(parseQuantity(0)).toEqual({ set: 0 });
    expect(parseQuantity(100)).toEqual({ set: 100 });
    expect(parseQuantity('+2')).toEqual({ add: 2 });
    expect(parseQuantity('-1')).toEqual({ add: -1 });
    for (const bad of [-1, 101, 2.5, NaN, Infinity, '3', 'three', '+', '+1.5', true, null, [1], {}])
      expect(() => parseQuantity(bad), String(bad)).toThrow(/whole number from 0 to 100/);
  });

  it('takes the type from the path, canonical sizes, and wants something to change', () => {
    expect(parseUpdate({ type: 'ignored', size: 'Standard-2X' }, 'web')).toEqual({ type: 'web', size: 'standard-2x' });
    expect(() => parseUpdate({ type: 'web' })).toThrow(/Nothing to change/);
    expect(() => parseUpdate('web=2')).toThrow(/must be an object/);
    expect(() => parseUpdate({ type: '../x', quantity: 1 })).toThrow(/Invalid process type/);
  });

  it('applies in order, all or nothing, with the previous size kept', () => {
    const allowed = new Set(['web', 'worker']);
    const f = { web: { quantity: 1, size: 'eco' } };
    expect(
      applyUpdates(
        f,
        [
          { type: 'web', quantity: { add: 2 } },
          { type: 'worker', size: 'basic' },
          { type: 'web', quantity: { add: -1 } },
        ],
        allowed,
      ),
    ).toEqual({
      formation: { web: { quantity: 2, size: 'eco' }, worker: { quantity: 0, size: 'basic' } },
      changed: ['web', 'worker'],
    });
    expect(() =>
      applyUpdates(
        f,
        [
          { type: 'web', quantity: { set: 3 } },
          { type: 'clock', quantity: { set: 1 } },
        ],
        allowed,
      ),
    ).toThrow('No such process type clock defined in Procfile.');
    expect(() => applyUpdates(f, [{ type: 'web', quantity: { add: 100 } }], allowed)).toThrow(/web would be at 101/);
    expect(f).toEqual({ web: { quantity: 1, size: 'eco' } });
  });

  it('allows web before the first build, then the Procfile types', () => {
    expect([...scalableTypes(undefined)]).toEqual(['web']);
    expect([...scalableTypes({ image: '', processTypes: {} })]).toEqual(['web']);
    expect([...scalableTypes({ image: 'img', processTypes: { worker: 'x' } })]).toEqual(['worker']);
  });
});

describe('restart targets and dyno sizes', () => {
  it('parses all, a type or a dyno, and checks it exists', () => {
    expect(parseRestartTarget(undefined)).toEqual({ kind: 'all' });
    expect(parseRestartTarget('web')).toEqual({ kind: 'type', type: 'web' });
    expect(parseRestartTarget('web.12')).toEqual({ kind: 'dyno', type: 'web', index: 12 });
    for (const bad of ['web.0', 'web.', '.1', 'web.1.2', 'we b', 'web.1000'])
      expect(() => parseRestartTarget(bad), bad).toThrow(/Invalid dyno or process type/);
    const f = { web: { quantity: 2, size: 'eco' } };
    expect(() => checkRestartTarget({ kind: 'dyno', type: 'web', index: 2 }, f, new Set(['web']))).not.toThrow();
    expect(() => checkRestartTarget({ kind: 'dyno', type: 'web', index: 3 }, f, new Set(['web']))).toThrow(
      "Couldn't find that dyno (web.3).",
    );
    expect(() => checkRestartTarget({ kind: 'type', type: 'clock' }, f, new Set(['web']))).toThrow(
      /process type \(clock\)/,
    );
  });

  it('names a container size from its limits', () => {
    expect(sizeNameOf(512, 512)).toBe('basic');
    expect(sizeNameOf(512, 1024)).toBe('standard-1x');
    expect(sizeNameOf(300, 1)).toBe('300MB');
  });
});
