import { describe, expect, it } from 'vitest';
import { PaasError } from '../../../services/core/errors.js';
import type { App, Assignment, Instance } from '../../../services/core/types.js';
import {
  applyPolicy,
  MAX_KEEP_AWAKE,
  parseKeepAwake,
  parsePolicyUpdate,
  policyLines,
  policyView,
  samePolicy,
  sleepLine,
} from '../../../services/controller/ps/policy.js';
import { dynoViews } from '../../../services/controller/ps/dynos.js';
import { platformRecords } from '../../../services/controller/logs/events.js';

const app: App = { name: 'shop', id: 'a1', owner: 'u1', createdAt: '2026-12-01T00:00:00.000Z', latestRelease: 2 };
const eco = { web: { quantity: 1, size: 'eco' } };
const std = { web: { quantity: 1, size: 'standard-1x' } };
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PaasError);
    expect((e as PaasError).code).toBe('invalid_params');
    return (e as PaasError).message;
  }
  throw new Error('accepted');
};

describe('policyView', () => {
  it('shows the defaults of a new app: eco sleeps after 30 min, others never; the default lifetime', () => {
    expect(policyView(app, eco)).toEqual({
      autosleep_s: 1800,
      autosleep_default: true,
      keep_awake: [],
      lifetime_s: null,
      default_lifetime_s: 86400,
      lifetime_jitter_s: 12960,
    });
    expect(policyView(app, std)).toMatchObject({ autosleep_s: 0, autosleep_default: true });
  });

  it("shows the app's own settings", () => {
    const set = { ...app, autosleepS: 0, keepAwake: ['worker'], lifetimeS: 21600 };
    expect(policyView(set, eco)).toMatchObject({
      autosleep_s: 0,
      autosleep_default: false,
      keep_awake: ['worker'],
      lifetime_s: 21600,
    });
  });
});

describe('parsePolicyUpdate', () => {
  it('reads durations as text or seconds, off or 0, null for the default', () => {
    expect(parsePolicyUpdate({ autosleep: '30m' })).toEqual({ autosleepS: 1800 });
    expect(parsePolicyUpdate({ autosleep: 3600, lifetime: '6h' })).toEqual({ autosleepS: 3600, lifetimeS: 21600 });
    expect(parsePolicyUpdate({ autosleep: 'off', lifetime: 0 })).toEqual({ autosleepS: 0, lifetimeS: 0 });
    expect(parsePolicyUpdate({ autosleep: null, lifetime: null })).toEqual({ autosleepS: null, lifetimeS: null });
    expect(parsePolicyUpdate({ keep_awake: ['worker', 'clock', 'worker'] })).toEqual({
      keepAwake: ['worker', 'clock'],
    });
    expect(parsePolicyUpdate({ keep_awake: [] })).toEqual({ keepAwake: [] });
  });

  it.each(['1ms', '-5m', '0s', 'abc', '10y', 12.5, true, ''])('refuses autosleep %j with the accepted range', (v) => {
    expect(refusal(() => parsePolicyUpdate({ autosleep: v }))).toMatch(
      /autosleep .* expected a duration from 1m to 30d \(e\.g\. 30m, 6h, 1d\) or "off"$/i,
    );
    expect(refusal(() => parsePolicyUpdate({ lifetime: v }))).toMatch(/^(Invalid lifetime|Lifetime) .* from 1m to 30d/);
  });

  it('refuses the whole body when one field is bad', () => {
    expect(refusal(() => parsePolicyUpdate({ autosleep: '1h', lifetime: '10y' }))).toMatch(/lifetime "10y"/);
    expect(refusal(() => parsePolicyUpdate({ autosleep: '1h', keep_awake: ['web'] }))).toMatch(/web process type/);
  });

  it('refuses unknown fields and an empty body', () => {
    expect(refusal(() => parsePolicyUpdate({ autosleep: '1h', sleep: true }))).toBe(
      'Unknown field sleep: give autosleep, keep_awake, lifetime',
    );
    expect(refusal(() => parsePolicyUpdate({ autosleep_s: 60, keepAwake: [] }))).toBe(
      'Unknown fields autosleep_s, keepAwake: give autosleep, keep_awake, lifetime',
    );
    expect(refusal(() => parsePolicyUpdate({}))).toMatch(/^Nothing to change/);
  });
});

describe('parseKeepAwake', () => {
  it.each([
    ['worker', /must be a list/],
    [null, /must be a list/],
    [[''], /Invalid process type ""/],
    [['wor ker'], /Invalid process type "wor ker"/],
    [['we.b'], /Invalid process type/],
    [['x'.repeat(31)], /Invalid process type/],
    [[1], /Invalid process type 1/],
    [['web'], /web process type is the one that sleeps/],
    [['release'], /release process type runs once/],
  ])('refuses %j', (raw, message) => {
    expect(refusal(() => parseKeepAwake(raw))).toMatch(message);
  });

  it('takes the names the Procfile takes, up to a limit', () => {
    expect(parseKeepAwake(['my-worker_2', 'Clock'])).toEqual(['my-worker_2', 'Clock']);
    const many = Array.from({ length: MAX_KEEP_AWAKE + 1 }, (_, i) => `w${i}`);
    expect(refusal(() => parseKeepAwake(many))).toMatch(/at most 20/);
    expect(parseKeepAwake(many.slice(0, MAX_KEEP_AWAKE))).toHaveLength(MAX_KEEP_AWAKE);
  });
});

describe('applyPolicy', () => {
  it('sets what is given and keeps the rest', () => {
    const a = applyPolicy(app, { autosleepS: 600, keepAwake: ['worker'] });
    expect(a).toEqual({ ...app, autosleepS: 600, keepAwake: ['worker'] });
    expect(applyPolicy(a, { lifetimeS: 0 })).toEqual({ ...a, lifetimeS: 0 });
  });

  it('drops a field set back to its default, as on a new app', () => {
    const a = { ...app, autosleepS: 0, keepAwake: ['worker'], lifetimeS: 3600 };
    expect(applyPolicy(a, { autosleepS: null, keepAwake: [], lifetimeS: null })).toEqual(app);
  });

  it('tells a change from none', () => {
    const a = { ...app, keepAwake: ['worker'] };
    expect(samePolicy(app, applyPolicy(app, { keepAwake: [] }))).toBe(true);
    expect(samePolicy(a, applyPolicy(a, { keepAwake: ['worker'] }))).toBe(true);
    expect(samePolicy(a, applyPolicy(a, { keepAwake: ['clock'] }))).toBe(false);
    expect(samePolicy(app, applyPolicy(app, { autosleepS: 0 }))).toBe(false);
    expect(samePolicy(app, applyPolicy(app, { autosleepS: null, lifetimeS: null }))).toBe(true);
  });
});

describe('the platform log lines', () => {
  it('tell each change and who made it, none for what did not change', () => {
    const by = 'a@b.c';
    expect(policyLines(app, { ...app, autosleepS: 1800 }, by)).toEqual(['Autosleep set to 30m by user a@b.c']);
    expect(policyLines(app, { ...app, lifetimeS: 21600, keepAwake: ['worker', 'clock'] }, by)).toEqual([
      'Keep awake set to worker, clock by user a@b.c',
      'Lifetime set to 6h by user a@b.c',
    ]);
    const set = { ...app, autosleepS: 600, keepAwake: ['worker'], lifetimeS: 3600 };
    expect(policyLines(set, { ...app, autosleepS: 0, lifetimeS: 0 }, by)).toEqual([
      'Autosleep turned off by user a@b.c',
      'Keep awake set to none by user a@b.c',
      'Lifetime turned off by user a@b.c',
    ]);
    expect(policyLines(set, app, by)).toEqual([
      'Autosleep set to the default by user a@b.c',
      'Keep awake set to none by user a@b.c',
      'Lifetime set to the default by user a@b.c',
    ]);
    expect(policyLines(set, set, by)).toEqual([]);
    expect(sleepLine(by)).toBe('Sleep requested by user a@b.c');
  });

  it('are paas[api] records', () => {
    expect(platformRecords(['Sleep requested by user a@b.c'], '2026-12-07T01:00:00.000000+00:00')).toEqual([
      { at: '2026-12-07T01:00:00.000000+00:00', source: 'paas', dyno: 'api', line: 'Sleep requested by user a@b.c' },
    ]);
  });
});

describe('dynoViews of a sleeping app', () => {
  const assignment = (type: string, index: number, over: Partial<Assignment> = {}): Assignment => ({
    id: `shop.${type}.${index}.v2`,
    host: 'h1',
    app: 'shop',
    release: 2,
    type,
    index,
    image: 'i',
    command: 'npm start',
    env: {},
    port: 5000,
    memoryMb: 512,
    cpuShares: 1024,
    createdAt: '2026-12-07T00:00:00.000Z',
    ...over,
  });
  const instance = (a: Assignment, state: Instance['state']): Instance => ({
    id: a.id,
    host: a.host,
    app: a.app,
    release: a.release,
    type: a.type,
    state,
    containerId: 'c',
    address: '127.0.0.1',
    port: 30000,
    updatedAt: '2026-12-07T00:10:00.000Z',
  });
  const since = '2026-12-07T01:00:00.000Z';

  it('shows a parked dyno sleeping since the route says the app sleeps; a kept-awake one as it is', () => {
    const web = assignment('web', 1, { parked: true });
    const worker = assignment('worker', 1);
    const views = dynoViews([web, worker], [instance(web, 'sleeping'), instance(worker, 'up')], {
      state: 'sleeping',
      since,
    });
    expect(views.map((d) => [d.name, d.state, d.updated_at])).toEqual([
      ['web.1', 'sleeping', since],
      ['worker.1', 'up', '2026-12-07T00:10:00.000Z'],
    ]);
    // parked, but its agent has not stopped it yet: still up
    expect(dynoViews([web], [instance(web, 'up')], { state: 'sleeping', since })[0]?.state).toBe('up');
  });

  it('shows a parked dyno sleeping since its last report while the route does not say so yet', () => {
    const web = assignment('web', 1, { parked: true });
    expect(dynoViews([web], [instance(web, 'sleeping')], { state: 'waking' })[0]).toMatchObject({
      state: 'sleeping',
      updated_at: '2026-12-07T00:10:00.000Z',
    });
    expect(dynoViews([web], [])[0]).toMatchObject({ state: 'sleeping', updated_at: web.createdAt });
  });

  it('keeps an unparked dyno as its agent reports it, even while the route sleeps', () => {
    const web = assignment('web', 1);
    expect(dynoViews([web], [instance(web, 'starting')], { state: 'sleeping', since })[0]).toMatchObject({
      state: 'starting',
      updated_at: '2026-12-07T00:10:00.000Z',
    });
  });
});
