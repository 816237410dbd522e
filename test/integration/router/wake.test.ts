import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../services/core/store.js';
import type { Route, RouteState, WakeRecord } from '../../../services/core/types.js';
import {
  bodyOf,
  childPids,
  eventually,
  get,
  startApp,
  startRouter,
  type Answer,
  type RouterHarness,
  type TestApp,
} from './helpers.js';
import { openWs, startWsApp, type WsTestApp } from './wsapp.js';

// On-demand dynos through the whole router (real etcd, real nginx): requests
// for a sleeping app are held, one wake is asked (Lua -> the router's unix
// socket -> a WakeRecord in etcd), and the held requests go to the first
// container routed; a crash or the timeout answers 503. The "scheduler" here
// is the test writing routes.

const TIMEOUT_S = 10;

interface Timed {
  answer: Answer;
  ms: number;
}

function timedGet(port: number, host: string): Promise<Timed> {
  const t0 = performance.now();
  return get(port, host).then((answer) => ({ answer, ms: performance.now() - t0 }));
}

function putRoute(store: Store, app: string, upstreams: string[], state?: RouteState): Promise<void> {
  return store.put(store.keys.route(app), {
    app,
    dynos: upstreams.map((upstream, i) => ({ upstream, dyno: `web.${i + 1}`, host: 'elsewhere' })),
    ...(state && { state }),
    ...(state === 'sleeping' && { since: new Date().toISOString() }),
    updatedAt: new Date().toISOString(),
  } satisfies Route);
}

async function stateIs(h: RouterHarness, app: string, state: RouteState | undefined): Promise<void> {
  await eventually(
    async () => ((await h.control.states()).get(app) === state ? true : undefined),
    `${app} to be ${state ?? 'without a state'} in nginx`,
  );
}

/** A new app, asleep: routed crashed first until its name answers (503 at once, no wake asked), then sleeping. */
async function newSleepingApp(h: RouterHarness, app: string): Promise<void> {
  await putRoute(h.store, app, [], 'crashed');
  await eventually(
    async () => ((await get(h.httpPort, `${app}.${h.domain}`)).status === 503 ? true : undefined),
    `${app} to get a server`,
  );
  await putRoute(h.store, app, [], 'sleeping');
  await stateIs(h, app, 'sleeping');
}

function wakeOf(h: RouterHarness, app: string): Promise<WakeRecord> {
  return eventually(() => h.store.get<WakeRecord>(h.store.keys.wake(app)), `a wake record of ${app}`);
}

describe('router: requests for a sleeping app', () => {
  let h: RouterHarness;
  let app: TestApp;
  let ws: WsTestApp;
  const host = (name: string) => `${name}.${h.domain}`;

  beforeAll(async () => {
    h = await startRouter('router-wake', { wake: { timeoutS: TIMEOUT_S, maxHeld: 4096 } });
    [app, ws] = await Promise.all([startApp('awake'), startWsApp('ws-awake')]);
  });

  afterAll(async () => {
    await h?.stop();
    await Promise.all([app?.close(), ws?.close()]);
  });

  it('holds 50 concurrent requests, asks for exactly one wake, and serves them all from the first container routed', async () => {
    await newSleepingApp(h, 'sleepy');
    const t0 = performance.now();
    let done = 0;
    const requests = Array.from({ length: 50 }, () => timedGet(h.httpPort, host('sleepy')).finally(() => done++));
    const wake = await wakeOf(h, 'sleepy');
    const wokenMs = performance.now() - t0;
    expect(wake).toMatchObject({ app: 'sleepy', router: h.hostId });
    await putRoute(h.store, 'sleepy', [], 'waking');
    await sleep(300);
    expect(done).toBe(0); // all still held
    await putRoute(h.store, 'sleepy', [app.address]);
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.answer.status)).toEqual(Array(50).fill(200));
    expect(answers.every((a) => bodyOf(a.answer) === 'awake')).toBe(true);
    const asks = h.asks.filter((a) => a.app === 'sleepy');
    expect(asks).toHaveLength(1);
    expect(h.written.filter((w) => w.app === 'sleepy')).toHaveLength(1);
    console.log(
      `wake hop: Lua ask -> router socket ${asks[0]?.hopMs?.toFixed(1)} ms; first request -> WakeRecord read back ${wokenMs.toFixed(1)} ms; held answers in ${Math.min(...answers.map((a) => a.ms)).toFixed(0)}-${Math.max(...answers.map((a) => a.ms)).toFixed(0)} ms`,
    );
    await stateIs(h, 'sleepy', undefined);

    // asleep again right away: the next request asks for a new wake at once (not after the once flag's 5 s)
    await putRoute(h.store, 'sleepy', [], 'sleeping');
    await stateIs(h, 'sleepy', 'sleeping');
    const t1 = performance.now();
    const again = timedGet(h.httpPort, host('sleepy'));
    await eventually(
      async () => (h.written.filter((w) => w.app === 'sleepy').length === 2 ? true : undefined),
      'a second wake',
    );
    expect(performance.now() - t1).toBeLessThan(4000);
    await putRoute(h.store, 'sleepy', [app.address]);
    expect((await again).answer.status).toBe(200);
  });

  it('answers 503 at once, well before the timeout, when the waking app crashes', async () => {
    await newSleepingApp(h, 'crashy');
    const requests = Array.from({ length: 5 }, () => timedGet(h.httpPort, host('crashy')));
    await wakeOf(h, 'crashy');
    await putRoute(h.store, 'crashy', [], 'waking');
    await sleep(200);
    await putRoute(h.store, 'crashy', [], 'crashed');
    const answers = await Promise.all(requests);
    for (const { answer, ms } of answers) {
      expect(answer.status).toBe(503);
      expect(answer.text).toContain('<title>Application unavailable</title>');
      expect(ms).toBeLessThan((TIMEOUT_S * 1000) / 2);
    }
    // crashed, no peers: 503 at once, no hold, no new wake
    const asks = h.asks.length;
    const again = await timedGet(h.httpPort, host('crashy'));
    expect(again.answer.status).toBe(503);
    expect(h.asks.length).toBe(asks);
  });

  it('holds a websocket upgrade and completes it once the app is routed', async () => {
    await newSleepingApp(h, 'wsleepy');
    let opened = false;
    const client = openWs(h.httpPort, host('wsleepy')).then((c) => {
      opened = true;
      return c;
    });
    await wakeOf(h, 'wsleepy');
    await sleep(200);
    expect(opened).toBe(false);
    await putRoute(h.store, 'wsleepy', [ws.address]);
    const c = await client;
    try {
      expect(c.hello.body).toBe('ws-awake');
      expect(await c.echo('hello')).toBe('ws-awake:hello');
    } finally {
      c.ws.close();
    }
  });

  it('serves requests held by workers that a reload replaced meanwhile', async () => {
    await newSleepingApp(h, 'reloaded');
    const requests = Array.from({ length: 5 }, () => timedGet(h.httpPort, host('reloaded')));
    await wakeOf(h, 'reloaded');
    const pid = (await h.nginx.masterPid()) as number;
    const workers = await childPids(pid);
    await h.nginx.reload(); // as a change of the router's settings does
    await eventually(
      async () => ((await childPids(pid)).some((p) => !workers.includes(p)) ? true : undefined),
      'new workers',
    );
    await putRoute(h.store, 'reloaded', [app.address]);
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.answer.status)).toEqual(Array(5).fill(200));
  });

  it('serves held requests after the router process was stopped mid-wake and another one started', async () => {
    await newSleepingApp(h, 'orphan');
    const requests = Array.from({ length: 5 }, () => timedGet(h.httpPort, host('orphan')));
    await wakeOf(h, 'orphan');
    await h.wakes?.stop();
    await h.router?.stop();
    await putRoute(h.store, 'orphan', [app.address]);
    await sleep(300); // no router: nginx keeps holding
    h.router = h.makeRouter();
    h.wakes = h.makeWakes();
    await h.wakes.start();
    await h.router.start();
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.answer.status)).toEqual(Array(5).fill(200));
  });

  it('pushes the states again to an nginx started anew, which then holds again', async () => {
    await newSleepingApp(h, 'again');
    const pid = (await h.nginx.masterPid()) as number;
    await h.nginx.stop();
    await eventually(async () => {
      const p = await h.nginx.masterPid();
      return p !== undefined && p !== pid ? p : undefined;
    }, 'a new nginx');
    await stateIs(h, 'again', 'sleeping');
    const request = timedGet(h.httpPort, host('again'));
    await wakeOf(h, 'again');
    await putRoute(h.store, 'again', [app.address]);
    expect((await request).answer.status).toBe(200);
  });
});

describe('router: the wake timeout and the bound on held requests', () => {
  let h: RouterHarness;
  const host = (name: string) => `${name}.${h.domain}`;

  beforeAll(async () => {
    h = await startRouter('router-wake-limits', { wake: { timeoutS: 2, maxHeld: 3 } });
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('answers a request held past the timeout with 503 "Application is starting" and Retry-After', async () => {
    await newSleepingApp(h, 'slow');
    const { answer, ms } = await timedGet(h.httpPort, host('slow'));
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.text).toContain('<title>Application is starting</title>');
    expect(answer.text).toContain(`Request ID: ${String(answer.headers['x-request-id'])}`);
    expect(ms).toBeGreaterThanOrEqual(1900); // it waited for the timeout
    expect(h.asks.filter((a) => a.app === 'slow').length).toBeGreaterThanOrEqual(1);
  });

  it('takes the wake hop (Lua -> the router socket) of one request at a time in a few ms (logged)', async () => {
    const apps = Array.from({ length: 10 }, (_, i) => `hop-${i}`);
    for (const a of apps) await putRoute(h.store, a, [], 'crashed');
    for (const a of apps) await newSleepingApp(h, a);
    for (const a of apps) {
      const request = timedGet(h.httpPort, host(a));
      await wakeOf(h, a);
      await putRoute(h.store, a, [], 'crashed');
      expect((await request).answer.status).toBe(503);
    }
    const hops = apps.map((a) => h.asks.find((x) => x.app === a)?.hopMs);
    expect(hops.every((x) => typeof x === 'number')).toBe(true);
    const sorted = (hops as number[]).sort((x, y) => x - y);
    console.log(
      `wake hop over ${sorted.length} single asks: median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, min ${sorted[0]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`,
    );
  });

  it('answers 503 with Retry-After at once past the most requests it holds', async () => {
    await newSleepingApp(h, 'crowd');
    const held = Array.from({ length: 3 }, () => timedGet(h.httpPort, host('crowd')));
    await wakeOf(h, 'crowd');
    await sleep(200);
    const over = await timedGet(h.httpPort, host('crowd'));
    expect(over.answer.status).toBe(503);
    expect(over.answer.headers['retry-after']).toBe('5');
    expect(over.ms).toBeLessThan(1000); // at once, not after the 2 s timeout
    const answers = await Promise.all(held);
    for (const a of answers) expect(a.ms).toBeGreaterThan(over.ms); // those were held, the fourth not
    expect(answers.map((a) => a.answer.status)).toEqual([503, 503, 503]);
  });
});
