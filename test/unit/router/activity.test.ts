import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ActivityRecord } from '../../../services/core/types.js';
import {
  activityWrites,
  ActivityReporter,
  type ActivityPolicy,
  type Reported,
} from '../../../services/router/activity.js';
import type { AppActivity } from '../../../services/router/control.js';

const NOW = 1_000_000_000;
const policy = (o: Partial<ActivityPolicy> = {}): ActivityPolicy => ({
  now: NOW,
  apps: new Set(['a1', 'b2', 'c3']),
  writeEveryMs: 15_000,
  pollMs: 5000,
  ...o,
});
const seen = (o: Record<string, AppActivity>) => new Map(Object.entries(o));
const reported = (o: Record<string, Reported>) => new Map(Object.entries(o));

describe('activityWrites', () => {
  it('writes nothing for the dashboard, which the router serves but is no app', () => {
    const s = seen({ dashboard: { at: NOW - 1000, websockets: 1 }, a1: { at: NOW - 1000, websockets: 0 } });
    const apps = new Set(['dashboard', 'a1']);
    expect(activityWrites(s, new Map(), policy({ apps })).map((w) => w.app)).toEqual(['a1']);
  });

  it('writes a recent request of an app it never wrote, and nothing for old or no traffic', () => {
    const s = seen({ a1: { at: NOW - 3000, websockets: 0 }, b2: { at: NOW - 31_000, websockets: 0 } });
    expect(activityWrites(s, new Map(), policy())).toEqual([{ app: 'a1', at: NOW - 3000, websockets: 0 }]);
  });

  it('writes an app at most once per period, and only with a request since the last write', () => {
    const last: Reported = { seenAt: NOW - 20_000, at: NOW - 20_000, websockets: 0, writtenAt: NOW - 10_000 };
    const s = seen({ a1: { at: NOW - 1000, websockets: 0 } });
    expect(activityWrites(s, reported({ a1: last }), policy())).toEqual([]); // written 10 s ago
    const due = { ...last, writtenAt: NOW - 15_000 };
    expect(activityWrites(s, reported({ a1: due }), policy())).toEqual([{ app: 'a1', at: NOW - 1000, websockets: 0 }]);
    const stale = seen({ a1: { at: NOW - 20_000, websockets: 0 } });
    expect(activityWrites(stale, reported({ a1: due }), policy())).toEqual([]); // nothing new
  });

  it('takes a write due within a quarter of the poll period (timer jitter) now, not a period later', () => {
    const last: Reported = { seenAt: 0, at: 0, websockets: 0, writtenAt: NOW - 14_900 };
    const s = seen({ a1: { at: NOW - 100, websockets: 0 } });
    expect(activityWrites(s, reported({ a1: last }), policy())).toHaveLength(1);
    expect(activityWrites(s, reported({ a1: { ...last, writtenAt: NOW - 13_000 } }), policy())).toEqual([]);
  });

  it('keeps an app with open websockets fresh (at = now) at the cadence, and writes their close at now', () => {
    const s = seen({ a1: { at: NOW - 600_000, websockets: 2 } });
    const last: Reported = { seenAt: NOW - 600_000, at: NOW - 15_000, websockets: 2, writtenAt: NOW - 15_000 };
    expect(activityWrites(s, reported({ a1: last }), policy())).toEqual([{ app: 'a1', at: NOW, websockets: 2 }]);
    expect(activityWrites(s, new Map(), policy())).toEqual([{ app: 'a1', at: NOW, websockets: 2 }]);
    const closed = seen({ a1: { at: NOW - 600_000, websockets: 0 } });
    expect(activityWrites(closed, reported({ a1: last }), policy())).toEqual([{ app: 'a1', at: NOW, websockets: 0 }]);
    // gone from nginx (restarted: its websockets with it)
    expect(activityWrites(new Map(), reported({ a1: last }), policy())).toEqual([
      { app: 'a1', at: NOW, websockets: 0 },
    ]);
  });

  it('never writes an at older than its last, nor an app the router does not serve', () => {
    const last: Reported = { seenAt: NOW - 40_000, at: NOW - 16_000, websockets: 0, writtenAt: NOW - 16_000 };
    const s = seen({ a1: { at: NOW - 30_000, websockets: 0 }, zz: { at: NOW, websockets: 1 } });
    expect(activityWrites(s, reported({ a1: last }), policy())).toEqual([
      { app: 'a1', at: NOW - 16_000, websockets: 0 },
    ]);
  });
});

describe('ActivityReporter', () => {
  it('writes what is due on each tick and remembers it, so a second tick writes nothing', async () => {
    let now = NOW;
    const activity = seen({ a1: { at: NOW - 10, websockets: 0 }, b2: { at: NOW - 20, websockets: 1 } });
    const written: ActivityRecord[][] = [];
    const r = new ActivityReporter({
      control: { activity: async () => activity },
      sink: { write: async (records) => void written.push([...records]) },
      apps: () => new Set(['a1', 'b2']),
      router: 'h1',
      log: pino({ level: 'silent' }),
      everyMs: 5000,
      now: () => now,
    });
    await r.tick();
    expect(written).toEqual([
      [
        { app: 'a1', at: new Date(NOW - 10).toISOString(), websockets: 0, router: 'h1' },
        { app: 'b2', at: new Date(NOW).toISOString(), websockets: 1, router: 'h1' },
      ],
    ]);
    now += 5000;
    await r.tick();
    expect(written).toHaveLength(1);
    now += 10_000;
    await r.tick();
    expect(written[1]).toEqual([{ app: 'b2', at: new Date(now).toISOString(), websockets: 1, router: 'h1' }]);
  });

  it('writes again what the sink failed to write', async () => {
    let fail = true;
    const written: string[] = [];
    const r = new ActivityReporter({
      control: { activity: async () => seen({ a1: { at: NOW - 10, websockets: 0 } }) },
      sink: {
        write: async (records) => {
          if (fail) throw new Error('etcd down');
          written.push(...records.map((x) => x.app));
        },
      },
      apps: () => new Set(['a1']),
      router: 'h1',
      log: pino({ level: 'silent' }),
      everyMs: 5000,
      now: () => NOW,
    });
    await r.tick();
    fail = false;
    await r.tick();
    expect(written).toEqual(['a1']);
  });
});
