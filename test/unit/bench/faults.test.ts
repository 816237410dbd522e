import { describe, expect, it } from 'vitest';
import {
  checkRecords,
  faultsTable,
  listedFor,
  recordText,
  singleAfter,
  twice,
  type Snapshot,
} from '../../../bench/faultslib.js';

const before: Snapshot = {
  releases: [
    { version: 1, description: 'Initial release' },
    { version: 2, description: 'Deploy abc' },
  ],
  config: { A: '1' },
  builds: [{ id: 'b1', status: 'succeeded' }],
};

describe('checkRecords', () => {
  it('is ok when the write added its one release and value', () => {
    const after: Snapshot = {
      ...before,
      releases: [...before.releases, { version: 3, description: 'Set F config var' }],
      config: { A: '1', F: 'x' },
    };
    const c = checkRecords(before, after, { set: { F: 'x' }, releases: 1, builds: 0 });
    expect(c.ok).toBe(true);
    expect(recordText(c)).toBe('ok');
  });

  it('finds a config:set applied twice (a retried POST), a lost release and a lost var', () => {
    const after: Snapshot = {
      releases: [
        { version: 1, description: 'Initial release' },
        { version: 3, description: 'Set F config var' },
        { version: 4, description: 'Set F config var' },
      ],
      config: { F: 'x' },
      builds: [{ id: 'b1', status: 'succeeded' }],
    };
    const c = checkRecords(before, after, { set: { F: 'x' }, releases: 1, builds: 0 });
    expect(c.ok).toBe(false);
    expect(c.lost).toEqual(['release v2', 'config A']);
    expect(c.duplicated).toEqual(['1 release(s) more than written']);
    expect(recordText(c)).toContain('lost release v2');
  });

  it('finds a write that was answered and not kept, and an unfinished build', () => {
    const after: Snapshot = { ...before, builds: [...before.builds, { id: 'b2', status: 'building' }] };
    const c = checkRecords(before, after, { set: { F: 'x' }, releases: 1, builds: 1 });
    expect(c.missing).toEqual(['1 release(s) fewer than written', 'config F=x']);
    expect(c.unfinished).toEqual(['b2 (building)']);
  });

  it('counts builds against the pushes', () => {
    const after: Snapshot = {
      ...before,
      builds: [
        ...before.builds,
        { id: 'b2', status: 'failed' },
        { id: 'b3', status: 'succeeded' },
        { id: 'b4', status: 'succeeded' },
      ],
    };
    expect(checkRecords(before, after, { set: {}, releases: 0, builds: 2 }).duplicated).toEqual([
      '1 build(s) more than pushed',
    ]);
  });
});

describe('listedFor', () => {
  const peer = (h: string) => [`${h}:30001`];
  it('is the span from the cut to the first sample without the host', () => {
    const samples = [
      { t: 900, upstreams: [...peer('10.213.1.2'), ...peer('10.213.2.2')] },
      { t: 1000, upstreams: [...peer('10.213.1.2'), ...peer('10.213.2.2')] },
      { t: 5000, upstreams: null },
      { t: 11_200, upstreams: peer('10.213.2.2') },
    ];
    expect(listedFor(samples, '10.213.1.2', 1000, 31_000)).toEqual({
      heldMs: 10_200,
      throughout: false,
      listedAtStart: true,
    });
  });

  it('says throughout when the host is never dropped, and does not match a longer address', () => {
    const samples = [
      { t: 0, upstreams: peer('10.213.1.2') },
      { t: 30_000, upstreams: peer('10.213.1.2') },
    ];
    expect(listedFor(samples, '10.213.1.2', 0, 30_000)).toMatchObject({ heldMs: 30_000, throughout: true });
    expect(listedFor(samples, '10.213.1.22', 0, 30_000)).toMatchObject({ heldMs: 0, listedAtStart: false });
  });
});

describe('twice', () => {
  it('finds the longest stretch of a dyno running twice after `from`', () => {
    const one = [
      { dyno: 'web.1', host: 'h1' },
      { dyno: 'web.2', host: 'h2' },
    ];
    const samples = [
      { t: 0, dynos: [...one, { dyno: 'web.1', host: 'h2' }] },
      { t: 1000, dynos: one },
      { t: 2000, dynos: [...one, { dyno: 'web.2', host: 'h1' }] },
      { t: 2500, dynos: [...one, { dyno: 'web.2', host: 'h1' }] },
      { t: 4000, dynos: [...one, { dyno: 'web.2', host: 'h1' }] },
      { t: 4500, dynos: one },
    ];
    expect(twice(samples, 500)).toEqual({ max: 2, longestMs: 2000, dynos: ['web.2'] });
    expect(twice(samples, 4500)).toEqual({ max: 1, longestMs: 0, dynos: [] });
    expect(singleAfter(samples, 0)).toBe(1000);
    expect(singleAfter(samples, 2000)).toBe(2500);
    expect(singleAfter(samples.slice(0, 5), 2000)).toBeUndefined();
  });
});

describe('faultsTable', () => {
  it('writes a row per fault, a skipped one with its reason', () => {
    const t = faultsTable([
      {
        key: 'none',
        what: 'none',
        requests: 100,
        failed: 0,
        failures: '{}',
        windowS: 22,
        latency: '1 / 2 / 3 ms',
        readMs: 400,
        writeMs: 900,
      },
      { key: 'router', what: 'kill -9 of a router', skipped: 'not in this topology' },
    ]);
    const lines = t.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe('| none | 100 / 0 (22 s) | 1 / 2 / 3 ms | 0.4 s / 0.9 s | — | — | — | — |  |');
    expect(lines[3]).toBe('| kill -9 of a router | not in this topology | | | | | | | |');
  });
});
