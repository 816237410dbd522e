import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, Assignment, Instance, Route, SleepRequest } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from './harness.js';

// The dyno policy (autosleep, keep awake, lifetime) and sleep requests through
// the real controller over the real etcd: the defaults, changes by owner and
// collaborator, every refusal leaving the app record as it was, the platform
// log lines, and the sleeping state of an app and its dynos as the
// scheduler's route and assignments tell it.

let h: Harness;
let alice: { id: string; token: string };
let bob: { id: string; token: string };
let carol: { id: string; token: string };

const APP = 'sleepy';
const NO_SUCH_APP = { id: 'not_found', message: "Couldn't find that app." };
const RANGE = 'expected a duration from 1m to 30d (e.g. 30m, 6h, 1d) or "off"';
const record = () => h.store.get<App>(h.store.keys.app(APP));
const revisionOf = async (key: string) => (await h.store.etcd.get(key).exec()).kvs[0]?.mod_revision;
const as = (token: string) => ({
  get: (path: string) => h.call('GET', path, { token }),
  patch: (path: string, body: unknown) => h.call('PATCH', path, { token, body }),
  post: (path: string, body?: unknown) => h.call('POST', path, { token, body }),
});
const policy = `/apps/${APP}/dyno-policy`;

/** The app's `paas` log lines, as a log session answers them. */
async function platformLines(app: string): Promise<string> {
  const s = await as(alice.token).post(`/apps/${app}/log-sessions`, { source: 'paas' });
  expect(s.status).toBe(201);
  return (await fetch(s.body.logplex_url as string)).text();
}

beforeAll(async () => {
  h = await startController('dynopolicy');
  alice = await newUser(h, 'alice@example.com');
  bob = await newUser(h, 'bob@example.com');
  carol = await newUser(h, 'carol@example.com');
  expect((await as(alice.token).post('/apps', { name: APP })).status).toBe(201);
  expect((await as(alice.token).post(`/apps/${APP}/collaborators`, { user: 'bob@example.com' })).status).toBe(201);
  const r = await h.call('POST', `/internal/apps/${APP}/releases`, {
    token: h.internalToken,
    body: { image: 'paas/app-sleepy:1', processTypes: { web: 'npm start', worker: 'node w.js' }, user: alice.id },
  });
  expect(r.status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

describe('GET /apps/:app/dyno-policy', () => {
  it('shows the defaults: standard dynos never sleep, eco ones after 30 minutes', async () => {
    const std = await as(alice.token).get(policy);
    expect(std).toEqual({
      status: 200,
      body: {
        autosleep_s: 0,
        autosleep_default: true,
        keep_awake: [],
        lifetime_s: null,
        default_lifetime_s: 86400,
        lifetime_jitter_s: 12960,
      },
    });
    expect((await as(alice.token).patch(`/apps/${APP}/formation/web`, { size: 'eco' })).status).toBe(200);
    expect((await as(bob.token).get(policy)).body).toMatchObject({ autosleep_s: 1800, autosleep_default: true });
  });
});

describe('PATCH /apps/:app/dyno-policy', () => {
  it('sets autosleep, keep awake and lifetime on the app record, and answers the new policy', async () => {
    const r = await as(alice.token).patch(policy, { autosleep: '45m', keep_awake: ['worker', 'clock'] });
    expect(r).toEqual({
      status: 200,
      body: {
        autosleep_s: 2700,
        autosleep_default: false,
        keep_awake: ['worker', 'clock'],
        lifetime_s: null,
        default_lifetime_s: 86400,
        lifetime_jitter_s: 12960,
      },
    });
    expect(await record()).toMatchObject({ autosleepS: 2700, keepAwake: ['worker', 'clock'] });
    expect((await record())?.lifetimeS).toBeUndefined();
  });

  it('lets a collaborator change it, as config:set does; seconds and off are taken', async () => {
    const r = await as(bob.token).patch(policy, { lifetime: 21600, autosleep: 'off' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ autosleep_s: 0, autosleep_default: false, lifetime_s: 21600 });
    expect(await record()).toMatchObject({ autosleepS: 0, lifetimeS: 21600, keepAwake: ['worker', 'clock'] });
  });

  it('refuses a bad value with 422 and the accepted range, and writes nothing', async () => {
    const key = h.store.keys.app(APP);
    const before = await revisionOf(key);
    const cases: [unknown, string][] = [
      [{ autosleep: '1ms' }, `Invalid autosleep "1ms": ${RANGE}`],
      [{ autosleep: '-5m' }, `Invalid autosleep "-5m": ${RANGE}`],
      [{ autosleep: '0s' }, `Autosleep "0s" is out of range: ${RANGE}`],
      [{ autosleep: 'abc' }, `Invalid autosleep "abc": ${RANGE}`],
      [{ lifetime: '10y' }, `Invalid lifetime "10y": ${RANGE}`],
      [{ lifetime: 12.5 }, `Invalid lifetime 12.5: ${RANGE}`],
      [{ lifetime: '31d' }, `Lifetime "31d" is out of range: ${RANGE}`],
      [{ autosleep: '1h', lifetime: 'abc' }, `Invalid lifetime "abc": ${RANGE}`],
      [
        { autosleep: '1h', keep_awake: ['web'] },
        'The web process type is the one that sleeps; it cannot be kept awake',
      ],
      [{ keep_awake: ['release'] }, 'The release process type runs once per release; it cannot be kept awake'],
      [
        { keep_awake: ['bad type'] },
        'Invalid process type "bad type" in keep_awake: letters, digits, _ and -, up to 30',
      ],
      [{ keep_awake: 'worker' }, 'keep_awake must be a list of process types, e.g. ["worker", "clock"] ([] clears it)'],
      [{ autosleep: '1h', sleep_now: true }, 'Unknown field sleep_now: give autosleep, keep_awake, lifetime'],
      [{}, 'Nothing to change: give "autosleep", "keep_awake" or "lifetime"'],
    ];
    for (const [body, message] of cases) {
      const r = await as(alice.token).patch(policy, body);
      expect(r, JSON.stringify(body)).toEqual({ status: 422, body: { id: 'invalid_params', message } });
    }
    expect((await h.call('PATCH', policy, { token: alice.token, raw: '["1h"]' })).status).toBe(400);
    expect(await revisionOf(key)).toBe(before);
  });

  it('writes nothing when nothing changes', async () => {
    const key = h.store.keys.app(APP);
    const before = await revisionOf(key);
    const r = await as(alice.token).patch(policy, { autosleep: 0, keep_awake: ['worker', 'clock', 'worker'] });
    expect(r.status).toBe(200);
    expect(await revisionOf(key)).toBe(before);
  });

  it('goes back to the defaults with null and []', async () => {
    const r = await as(alice.token).patch(policy, { autosleep: null, keep_awake: [], lifetime: null });
    expect(r.body).toMatchObject({ autosleep_s: 1800, autosleep_default: true, keep_awake: [], lifetime_s: null });
    const app = (await record()) as App;
    expect(['autosleepS', 'keepAwake', 'lifetimeS'].filter((f) => f in app)).toEqual([]);
    expect(app.latestRelease).toBe(1); // no release is made
  });

  it('tells each change in the app log as paas[api], with who made it', async () => {
    const text = await platformLines(APP);
    expect(text).toContain('paas[api]: Autosleep set to 45m by user alice@example.com');
    expect(text).toContain('paas[api]: Keep awake set to worker, clock by user alice@example.com');
    expect(text).toContain('paas[api]: Autosleep turned off by user bob@example.com');
    expect(text).toContain('paas[api]: Lifetime set to 6h by user bob@example.com');
    expect(text).toContain('paas[api]: Autosleep set to the default by user alice@example.com');
    expect(text).toContain('paas[api]: Keep awake set to none by user alice@example.com');
    expect(text).toContain('paas[api]: Lifetime set to the default by user alice@example.com');
    expect(text).not.toMatch(/paas\[api\]: Lifetime set to 31d/);
  });
});

describe('POST /apps/:app/sleep', () => {
  it('writes the sleep request for the scheduler and answers 202', async () => {
    const t0 = Date.now();
    const r = await as(bob.token).post(`/apps/${APP}/sleep`);
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ app: { name: APP }, at: expect.any(String) });
    expect(Date.parse(r.body.at)).toBeGreaterThanOrEqual(t0 - 1000);
    expect(await h.store.get<SleepRequest>(h.store.keys.sleepRequest(APP))).toEqual({
      app: APP,
      at: r.body.at,
      by: bob.id,
    });
    expect(await platformLines(APP)).toContain('paas[api]: Sleep requested by user bob@example.com');
  });
});

describe('who may', () => {
  it('answers a stranger and a missing app with the same 404, and writes nothing', async () => {
    const before = await revisionOf(h.store.keys.app(APP));
    const sleepBefore = await revisionOf(h.store.keys.sleepRequest(APP));
    for (const app of [APP, 'no-such-app']) {
      const path = `/apps/${app}/dyno-policy`;
      expect(await as(carol.token).get(path)).toEqual({ status: 404, body: NO_SUCH_APP });
      expect(await as(carol.token).patch(path, { autosleep: '1h' })).toEqual({ status: 404, body: NO_SUCH_APP });
      expect(await as(carol.token).patch(path, { autosleep: '10y' })).toEqual({ status: 404, body: NO_SUCH_APP });
      expect(await as(carol.token).post(`/apps/${app}/sleep`)).toEqual({ status: 404, body: NO_SUCH_APP });
    }
    expect(await as(alice.token).post('/apps/no-such-app/sleep')).toEqual({ status: 404, body: NO_SUCH_APP });
    expect((await h.call('GET', policy)).status).toBe(401);
    expect((await h.call('POST', `/apps/${APP}/sleep`)).status).toBe(401);
    expect(await revisionOf(h.store.keys.app(APP))).toBe(before);
    expect(await revisionOf(h.store.keys.sleepRequest(APP))).toBe(sleepBefore);
    expect(await h.store.get(h.store.keys.sleepRequest('no-such-app'))).toBeUndefined();
  });
});

describe('a sleeping app', () => {
  const since = '2026-12-07T01:00:00.000Z';
  const route = (state?: Route['state']): Route => ({
    app: APP,
    dynos: [],
    release: 1,
    ...(state && { state }),
    ...(state === 'sleeping' && { since }),
    updatedAt: since,
  });

  it('shows its state in GET /apps/:app and GET /apps', async () => {
    expect((await as(alice.token).get(`/apps/${APP}`)).body).toMatchObject({ dyno_state: null, sleeping_since: null });
    await h.store.put(h.store.keys.route(APP), route('sleeping'));
    expect((await as(alice.token).get(`/apps/${APP}`)).body).toMatchObject({
      name: APP,
      dyno_state: 'sleeping',
      sleeping_since: since,
    });
    expect((await as(bob.token).post('/apps', { name: 'awake-app' })).status).toBe(201);
    const list = (await as(bob.token).get('/apps')).body as { name: string; dyno_state: unknown }[];
    expect(list.map((a) => [a.name, a.dyno_state])).toEqual([
      ['awake-app', null],
      [APP, 'sleeping'],
    ]);
    await h.store.put(h.store.keys.route(APP), route('waking'));
    expect((await as(alice.token).get(`/apps/${APP}`)).body).toMatchObject({
      dyno_state: 'waking',
      sleeping_since: null,
    });
  });

  it('shows a parked dyno as sleeping since the route says so', async () => {
    await h.store.put(h.store.keys.route(APP), route('sleeping'));
    const web: Assignment = {
      id: `${APP}.web.1.v1`,
      host: 'h1',
      app: APP,
      release: 1,
      type: 'web',
      index: 1,
      image: 'paas/app-sleepy:1',
      command: 'npm start',
      env: {},
      port: 5000,
      memoryMb: 256,
      cpuShares: 256,
      createdAt: '2026-12-07T00:00:00.000Z',
      parked: true,
    };
    const worker: Assignment = { ...web, id: `${APP}.worker.1.v1`, type: 'worker', command: 'node w.js' };
    delete worker.parked;
    const up: Instance = {
      id: worker.id,
      host: 'h1',
      app: APP,
      release: 1,
      type: 'worker',
      state: 'up',
      containerId: 'c1',
      address: '127.0.0.1',
      port: 31000,
      updatedAt: '2026-12-07T00:01:00.000Z',
    };
    await h.store.put(h.store.keys.assignment('h1', web.id), web);
    await h.store.put(h.store.keys.assignment('h1', worker.id), worker);
    await h.store.put(h.store.keys.instance(APP, worker.id), up);
    const dynos = (await as(alice.token).get(`/apps/${APP}/dynos`)).body as {
      name: string;
      state: string;
      updated_at: string;
    }[];
    expect(dynos.map((d) => [d.name, d.state, d.updated_at])).toEqual([
      ['web.1', 'sleeping', since],
      ['worker.1', 'up', '2026-12-07T00:01:00.000Z'],
    ]);
    expect((await as(alice.token).get(`/apps/${APP}/dynos/web.1`)).body).toMatchObject({ state: 'sleeping' });
  });
});
