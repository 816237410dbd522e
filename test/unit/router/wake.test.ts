import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RouteState, WakeRecord } from '../../../services/core/types.js';
import { blockedDir, hopMs, Waker } from '../../../services/router/wake.js';

function setup(states: Record<string, RouteState> = {}) {
  let now = 1_000_000;
  const records: WakeRecord[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const waker = new Waker({
    sink: {
      wake: async (r) => {
        await gate;
        records.push(r);
      },
    },
    router: 'h1',
    stateOf: (app) => states[app],
    now: () => now,
  });
  return {
    waker,
    records,
    advance: (ms: number) => (now += ms),
    hold: () => (gate = new Promise<void>((resolve) => (release = resolve))),
    release: () => {
      gate = undefined;
      release?.();
    },
  };
}

describe('Waker', () => {
  it('writes a WakeRecord for a sleeping or waking app only', async () => {
    const t = setup({ a1: 'sleeping', b2: 'waking', c3: 'crashed' });
    expect(await t.waker.ask('a1')).toBe('written');
    expect(await t.waker.ask('b2')).toBe('written');
    expect(await t.waker.ask('c3')).toBe('not-held');
    expect(await t.waker.ask('d4')).toBe('not-held');
    expect(t.records).toEqual([
      { app: 'a1', at: new Date(1_000_000).toISOString(), router: 'h1' },
      { app: 'b2', at: new Date(1_000_000).toISOString(), router: 'h1' },
    ]);
  });

  it('writes one record per app per second, however many asks come', async () => {
    const t = setup({ a1: 'sleeping' });
    t.hold();
    const asks = [t.waker.ask('a1'), t.waker.ask('a1'), t.waker.ask('a1')];
    t.release();
    expect(await Promise.all(asks)).toEqual(['written', 'recent', 'recent']);
    t.advance(999);
    expect(await t.waker.ask('a1')).toBe('recent');
    t.advance(1);
    expect(await t.waker.ask('a1')).toBe('written');
    expect(t.records).toHaveLength(2);
  });

  it('does not dedupe the wake of a new sleep with the one of the sleep before', async () => {
    let since = '2026-01-01T00:00:00.000Z';
    const records: string[] = [];
    const waker = new Waker({
      sink: { wake: async (r) => void records.push(r.app) },
      router: 'h1',
      stateOf: () => 'sleeping',
      sleepingSince: () => since,
      now: () => 5,
    });
    expect(await waker.ask('a1')).toBe('written');
    expect(await waker.ask('a1')).toBe('recent');
    since = '2026-01-01T00:00:00.400Z'; // woke, and fell asleep again within the second
    expect(await waker.ask('a1')).toBe('written');
    expect(records).toEqual(['a1', 'a1']);
  });

  it('writes again after a failed write', async () => {
    let fail = true;
    const records: string[] = [];
    const waker = new Waker({
      sink: {
        wake: async (r) => {
          if (fail) throw new Error('etcd down');
          records.push(r.app);
        },
      },
      router: 'h1',
      stateOf: () => 'sleeping',
      now: () => 5,
    });
    await expect(waker.ask('a1')).rejects.toThrow(/etcd down/);
    fail = false;
    expect(await waker.ask('a1')).toBe('written');
    expect(records).toEqual(['a1']);
  });
});

describe('hopMs', () => {
  it('is the time since the ask, from epoch seconds to the ms; undefined when not sane', () => {
    expect(hopMs('1000.250', 1_000_253)).toBe(3);
    expect(hopMs('1000.300', 1_000_253)).toBe(0); // clocks a hair apart: never negative
    for (const bad of [undefined, '', 'soon', '1e3', '-1', ['1', '2']]) expect(hopMs(bad, 5)).toBeUndefined();
  });
});

describe('blockedDir', () => {
  it('names the first directory others cannot pass through on the way to the socket, or none', async () => {
    const root = await mkdtemp(join(tmpdir(), 'paas-blocked-'));
    try {
      await chmod(root, 0o755);
      await mkdir(join(root, 'state', 'nginx'), { recursive: true, mode: 0o755 });
      await chmod(join(root, 'state'), 0o755);
      const sock = join(root, 'state', 'nginx', 'router.sock');
      expect(await blockedDir(sock)).toBeUndefined();
      await chmod(join(root, 'state'), 0o700);
      expect(await blockedDir(sock)).toBe(join(root, 'state'));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
