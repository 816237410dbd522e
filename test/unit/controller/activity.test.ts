import { describe, expect, it } from 'vitest';
import { APP_EVENTS_KEPT, withEvent, type AppEvent } from '../../../services/core/appevents.js';
import type { BuildRecord } from '../../../services/core/builds.js';
import type { Release } from '../../../services/core/types.js';
import type { ActivityView } from '../../../services/core/api.js';
import {
  buildActivity,
  mergeActivity,
  parseActivityLimit,
  releaseActivity,
  restartDescription,
  scaleDescription,
} from '../../../services/controller/activity/activity.js';
import { appState, buildActive } from '../../../services/controller/apps/state.js';

// The activity feed's pure parts, and AppInfo.state.

const entry = (id: string, at: string): ActivityView => ({
  id,
  at,
  kind: 'scale',
  user: { email: null },
  description: id,
});

describe('mergeActivity', () => {
  it('merges newest first, keeping the order of lists and entries on ties, up to the limit', () => {
    const releases = [entry('r2', '2026-01-01T00:00:03Z'), entry('r1', '2026-01-01T00:00:01Z')];
    const builds = [entry('b2', '2026-01-01T00:00:03Z'), entry('b1', '2026-01-01T00:00:00Z')];
    const events = [entry('e2', '2026-01-01T00:00:02Z'), entry('e1', '2026-01-01T00:00:02Z')];
    const ids = (a: ActivityView[]) => a.map((x) => x.id);
    expect(ids(mergeActivity([releases, builds, events], 10))).toEqual(['r2', 'b2', 'e2', 'e1', 'r1', 'b1']);
    expect(ids(mergeActivity([releases, builds, events], 3))).toEqual(['r2', 'b2', 'e2']);
    expect(mergeActivity([], 5)).toEqual([]);
  });
});

describe('parseActivityLimit', () => {
  it('is 50 by default, 1 to 200 else 422', () => {
    expect(parseActivityLimit(undefined)).toBe(50);
    expect(parseActivityLimit('1')).toBe(1);
    expect(parseActivityLimit('200')).toBe(200);
    for (const bad of ['0', '201', '-1', '2.5', 'ten', ['5']])
      expect(() => parseActivityLimit(bad)).toThrow(expect.objectContaining({ code: 'invalid_params' }));
  });
});

describe('views', () => {
  const build: BuildRecord = {
    id: '20260101-000000-abc',
    app: 'shop',
    status: 'succeeded',
    commit: '3f2a1c0d'.padEnd(40, '0'),
    user: { id: 'u1', email: 'me@x.io' },
    createdAt: 'T1',
    updatedAt: 'T2',
    release: 4,
    phases: {},
    failure: null,
  };
  it('a build says its commit and outcome', () => {
    expect(buildActivity(build)).toEqual({
      id: build.id,
      at: 'T1',
      kind: 'build',
      user: { email: 'me@x.io' },
      description: 'Build 3f2a1c0 succeeded',
      build: { id: build.id, status: 'succeeded' },
      release: { version: 4 },
    });
    expect(buildActivity({ ...build, status: 'building', release: null })).toMatchObject({
      description: 'Building 3f2a1c0',
    });
    expect(buildActivity({ ...build, status: 'building', release: null })).not.toHaveProperty('release');
  });
  it('a release keeps its description', () => {
    const r = { app: 'shop', version: 5, description: 'Set FOO config vars', createdAt: 'T' } as Release;
    expect(releaseActivity(r, null)).toEqual({
      id: 'shop-v5',
      at: 'T',
      kind: 'release',
      user: { email: null },
      description: 'Set FOO config vars',
      release: { version: 5 },
    });
  });
  it('scale and restart descriptions', () => {
    expect(scaleDescription([{ type: 'web', quantity: 2, size: 'standard-1x' }])).toBe('Scaled web to 2:standard-1x');
    expect(
      scaleDescription([
        { type: 'web', quantity: 0, size: 'eco' },
        { type: 'worker', quantity: 1, size: 'standard-2x' },
      ]),
    ).toBe('Scaled web to 0:eco, worker to 1:standard-2x');
    expect(restartDescription('all')).toBe('Restarted all dynos');
    expect(restartDescription('web')).toBe('Restarted web dynos');
    expect(restartDescription('web.1')).toBe('Restarted web.1');
  });
});

describe('withEvent', () => {
  it('keeps the newest events only', () => {
    const ev = (i: number): AppEvent => ({
      id: `e${i}`,
      at: 'T',
      kind: 'restart',
      user: { id: 'u', email: 'e' },
      description: '',
    });
    let log = withEvent(undefined, ev(0));
    for (let i = 1; i < APP_EVENTS_KEPT + 5; i++) log = withEvent(log, ev(i));
    expect(log.events).toHaveLength(APP_EVENTS_KEPT);
    expect(log.events[0]?.id).toBe('e5');
    expect(log.events.at(-1)?.id).toBe(`e${APP_EVENTS_KEPT + 4}`);
    expect(withEvent({ events: [ev(1)] }, ev(2), 1).events.map((e) => e.id)).toEqual(['e2']);
  });
});

describe('appState', () => {
  const web = (quantity: number) => ({ web: { quantity, size: 'standard-1x' } });
  const dyno = { upstream: 'h:1', dyno: 'web.1', host: 'h' };
  it('deploying while a build or the latest release is in progress', () => {
    expect(appState({ latestRelease: 0, building: true })).toBe('deploying');
    expect(appState({ latestRelease: 3, building: false, latest: 'pending', formation: web(1) })).toBe('deploying');
  });
  it("the route's sleeping and crashed", () => {
    expect(appState({ latestRelease: 3, building: false, route: { state: 'sleeping' }, formation: web(1) })).toBe(
      'sleeping',
    );
    expect(appState({ latestRelease: 3, building: false, route: { state: 'crashed' }, formation: web(1) })).toBe(
      'crashed',
    );
  });
  it('idle: no release, nothing built, nothing asked for', () => {
    expect(appState({ latestRelease: 0, building: false, formation: web(1) })).toBe('idle');
    expect(appState({ latestRelease: 2, building: false, latest: 'unbuilt', formation: web(1) })).toBe('idle');
    expect(appState({ latestRelease: 2, building: false, formation: web(0), route: { dynos: [] } })).toBe('idle');
  });
  it('running: dynos serve (a failed latest release leaves the old one serving), or only workers run', () => {
    expect(appState({ latestRelease: 3, building: false, formation: web(1), route: { dynos: [dyno] } })).toBe(
      'running',
    );
    expect(
      appState({ latestRelease: 3, building: false, latest: 'failed', formation: web(1), route: { dynos: [dyno] } }),
    ).toBe('running');
    expect(
      appState({ latestRelease: 3, building: false, formation: { ...web(0), worker: { quantity: 1, size: 'eco' } } }),
    ).toBe('running');
    expect(appState({ latestRelease: 3, building: false, formation: web(1), route: { dynos: [] } })).toBe('crashed');
  });
  it('a build marker counts for two hours', () => {
    const now = Date.parse('2026-01-01T03:00:00Z');
    expect(buildActive(undefined, now)).toBe(false);
    expect(buildActive({ id: 'b', at: '2026-01-01T02:00:00Z' }, now)).toBe(true);
    expect(buildActive({ id: 'b', at: '2026-01-01T00:59:00Z' }, now)).toBe(false);
  });
});
