import { describe, expect, it } from 'vitest';
import { freeMemory, place } from '../../../services/scheduler/place.js';

const web = { app: 'shop', type: 'web', memoryMb: 512 };

describe('place', () => {
  it('puts a container on the only host with room', () => {
    expect(place(web, [{ id: 'h1', memoryMb: 1024 }], [])).toEqual({ ok: true, host: 'h1' });
  });

  it('prefers the host with the most free memory', () => {
    const hosts = [
      { id: 'h1', memoryMb: 4096 },
      { id: 'h2', memoryMb: 4096 },
    ];
    const existing = [{ host: 'h1', app: 'other', type: 'web', memoryMb: 1024 }];
    expect(place(web, hosts, existing)).toEqual({ ok: true, host: 'h2' });
  });

  it('spreads replicas of one app and type across hosts, even onto the fuller host', () => {
    const hosts = [
      { id: 'h1', memoryMb: 8192 },
      { id: 'h2', memoryMb: 2048 },
    ];
    expect(place(web, hosts, [{ host: 'h1', ...web }])).toEqual({ ok: true, host: 'h2' });
    expect(place(web, hosts, [{ host: 'h1', ...web }, { host: 'h2', ...web }])).toEqual({ ok: true, host: 'h1' });
  });

  it('is deterministic on ties: the smallest host id', () => {
    const hosts = [
      { id: 'b', memoryMb: 1024 },
      { id: 'a', memoryMb: 1024 },
    ];
    expect(place(web, hosts, [])).toEqual({ ok: true, host: 'a' });
  });

  it('says why when no host has room', () => {
    const r = place(web, [{ id: 'h1', memoryMb: 1024 }], [{ host: 'h1', app: 'x', type: 'web', memoryMb: 768 }]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/512 MB free.*most free: 256 MB/);
    const none = place(web, [], []);
    expect(none).toEqual({ ok: false, reason: 'no hosts are registered' });
  });

  it('counts only containers on known hosts', () => {
    const free = freeMemory([{ id: 'h1', memoryMb: 1000 }], [{ host: 'h1', app: 'a', type: 'web', memoryMb: 300 }, { host: 'gone', app: 'a', type: 'web', memoryMb: 300 }]);
    expect([...free]).toEqual([['h1', 700]]);
  });
});
