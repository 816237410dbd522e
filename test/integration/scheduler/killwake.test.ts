import { chmod } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import { Store } from '../../../services/core/store.js';
import type { Instance, Route, WakeRecord } from '../../../services/core/types.js';
import { HttpUpstreamControl } from '../../../services/router/control.js';
import { NginxCli } from '../../../services/router/nginx.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { RUN_IMAGE, forgetCluster, uniqueCluster, waitFor } from '../agent/support.js';
import { freePort, get, tempDir, type Answer } from '../router/helpers.js';
import { startService, type ServiceProcess } from './process.js';

// Router, scheduler or agent killed mid-wake (issue 16, "Bad input and
// faults"): each runs as a real process (the built main.js) over the real
// etcd, Docker and nginx, so a test can SIGKILL one while requests for a
// sleeping app are held: no resign, no cleanup, a stale wake socket, an
// election or host lease left to expire. The held requests must each get an
// answer (200 once the component is back, or 503 with Retry-After at the
// hold timeout), never a reset or a 502; and the app must wake again on a new
// request afterwards. The app takes BOOT_MS to listen, so the wake is still
// under way when the component dies. Back within the hold, the held requests
// are served; the scheduler kept down past the hold, they get the router's 503
// "Application is starting"; the agent kept down past its host lease, its
// dyno is unassigned and waits for a host, and they get the same 503.

const APP = 'kw';
const TTL = 3;
const WAKE_TIMEOUT_S = 15;
const BOOT_MS = 2500;
const HELD = 5;
const prefix = uniquePrefix('killwake');
const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
const domain = 'apps.test';
const host = `${APP}.${domain}`;

let store: Store;
let stateDir: { dir: string; remove(): Promise<void> };
let httpPort: number;
let control: HttpUpstreamControl;
let router: ServiceProcess | undefined;
let scheduler: ServiceProcess | undefined;
let agent: ServiceProcess | undefined;
let schedulers = 0;

const common = () => ({ PAAS_ETCD_ENDPOINTS: etcdEndpoints().join(','), PAAS_ETCD_PREFIX: prefix });
const startRouter = () =>
  startService('router', {
    ...common(),
    PAAS_STATE_DIR: stateDir.dir,
    PAAS_DOMAIN: domain,
    PAAS_HTTP_LISTEN: '127.0.0.1',
    PAAS_HTTP_PORT: String(httpPort),
    PAAS_ROUTER_CONTROL_PORT: String(control.port),
    PAAS_ROUTER_WAKE_TIMEOUT: String(WAKE_TIMEOUT_S),
    PAAS_ROUTER_RESYNC_MS: '1000',
    PAAS_NGINX_WORKERS: '2',
    PAAS_HOST_ID: 'router-host',
  });
const startScheduler = () =>
  startService('scheduler', {
    ...common(),
    PAAS_STATE_DIR: '/tmp',
    PAAS_SCHEDULER_NAME: `s${++schedulers}`,
    PAAS_SCHEDULER_ELECTION_TTL: String(TTL),
    PAAS_SCHEDULER_DRAIN_MS: '500',
    PAAS_SCHEDULER_RESYNC_MS: '1000',
  });
const startAgent = () =>
  startService('agent', {
    ...common(),
    PAAS_STATE_DIR: '/tmp',
    PAAS_CLUSTER: cluster,
    PAAS_HOST_ID: hostId,
    PAAS_HOST_ADDRESS: '127.0.0.1',
    PAAS_HOST_MEMORY_MB: '4096',
    PAAS_HOST_CPUS: '2',
    PAAS_AGENT_LEASE_TTL: '5',
    PAAS_AGENT_FROZEN_MB: '0', // a wake is a start and the app's boot, so that a kill lands mid-wake (a thaw is too quick)
    PAAS_AGENT_RESYNC_MS: '1000',
    PAAS_AGENT_STOP_GRACE: '2',
    PAAS_AGENT_ORPHAN_GRACE_MS: '0',
    PAAS_AGENT_PIDS_LIMIT: '128',
  });
const outputs = () =>
  [
    ['router', router],
    ['scheduler', scheduler],
    ['agent', agent],
  ]
    .map(([n, p]) => `--- ${n as string}\n${(p as ServiceProcess | undefined)?.output().slice(-4000) ?? ''}`)
    .join('\n');
const withOutputs = <T>(p: Promise<T>) =>
  p.catch((err: unknown) => {
    throw new Error(`${String(err)}\n${outputs()}`);
  });

const route = () => store.get<Route>(store.keys.route(APP));
const routeWhere = (what: string, ok: (r: Route) => boolean, timeoutMs = 60_000) =>
  withOutputs(
    waitFor(
      what,
      async () => {
        const r = await route();
        return r && ok(r) ? r : undefined;
      },
      timeoutMs,
    ),
  );

/** GET / through nginx, timed; a reset or refused connection rejects. */
async function timedGet(): Promise<{ answer: Answer; ms: number }> {
  const t0 = performance.now();
  const answer = await get(httpPort, host);
  return { answer, ms: performance.now() - t0 };
}

/**
 * Asleep: the route says sleeping, the dyno is parked (unless `parked` is false: an app whose dyno was unassigned
 * sleeps with none, placed anew when it wakes) and nginx holds the app's requests.
 */
async function putToSleep(parked = true): Promise<void> {
  await store.put(store.keys.sleepRequest(APP), { app: APP, at: new Date().toISOString(), by: 'test' });
  await routeWhere('route sleeping', (r) => r.state === 'sleeping' && routeUpstreams(r).length === 0);
  if (parked)
    await withOutputs(
      waitFor('web.1 parked', async () => {
        const list = await store.list<Instance>(store.keys.instances(APP));
        return list.length > 0 && list.every((i) => i.state === 'sleeping') ? true : undefined;
      }),
    );
  await withOutputs(
    waitFor('nginx to hold the app', async () => ((await control.states()).get(APP) === 'sleeping' ? true : undefined)),
  );
}

/** A wake record of this wake (written at or after t0). */
const wakeAfter = (t0: number) =>
  withOutputs(
    waitFor(
      'a wake record',
      async () => {
        const w = await store.get<WakeRecord>(store.keys.wake(APP));
        return w && Date.parse(w.at) >= t0 - 5 ? w : undefined;
      },
      10_000,
    ),
  );

/**
 * Every held request answered within the hold (plus slack): 200 from the app, or 503 (with Retry-After when it is the
 * hold's end: `retryAfter`); never 502, never a reset (get rejects).
 */
function expectAnswered(answers: { answer: Answer; ms: number }[], what: string, retryAfter = true): void {
  console.log(`${what}: held answers ${answers.map((a) => `${a.answer.status} in ${a.ms.toFixed(0)} ms`).join(', ')}`);
  for (const { answer, ms } of answers) {
    expect([200, 503]).toContain(answer.status);
    if (answer.status === 200) expect(answer.text).toBe('v1 web.1');
    else if (retryAfter) expect(answer.headers['retry-after'], 'a 503 says when to retry').toBeDefined();
    expect(ms).toBeLessThan(WAKE_TIMEOUT_S * 1000 + 5000);
  }
}

/** After the fault: asleep again, a new request wakes the app and is served. */
async function wakesAgain(parked = true): Promise<void> {
  await putToSleep(parked);
  const { answer } = await timedGet();
  expect(answer.status, outputs()).toBe(200);
  expect(answer.text).toBe('v1 web.1');
}

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), prefix);
  stateDir = await tempDir('killwake');
  await chmod(stateDir.dir, 0o755); // nginx's workers (nobody, under root) reach the wake socket in it
  httpPort = await freePort();
  control = new HttpUpstreamControl(await freePort());
  agent = startAgent();
  scheduler = startScheduler();
  router = startRouter();
  await store.createApp(
    { name: APP, id: 'kw-1', owner: 'u1', createdAt: new Date().toISOString(), latestRelease: 0 },
    { web: { quantity: 1, size: 'eco' } },
  );
  await store.createRelease(APP, () => ({
    image: RUN_IMAGE,
    config: {},
    processTypes: {
      web: `node -e "setTimeout(()=>require('http').createServer((q,s)=>s.end('v1 '+process.env.DYNO)).listen(process.env.PORT),${BOOT_MS})"`,
    },
    description: 'deploy',
    createdBy: 'test',
    createdAt: new Date().toISOString(),
  }));
  await routeWhere('route to web.1', (r) => routeUpstreams(r).length === 1);
  await withOutputs(
    waitFor('the app served through nginx', async () => ((await timedGet()).answer.status === 200 ? true : undefined)),
  );
});

afterAll(async () => {
  await router?.kill();
  await scheduler?.kill();
  await agent?.kill();
  await new NginxCli('nginx', `${stateDir.dir}/nginx`).stop().catch(() => undefined);
  await forgetCluster(cluster);
  await store.deletePrefix(`${prefix}/`);
  store.close();
  await stateDir.remove();
});

describe('a component killed mid-wake', () => {
  it('router: SIGKILLed once it wrote the wake; the held requests are served when a router is back; it wakes again', async () => {
    await putToSleep();
    const t0 = Date.now();
    const held = Array.from({ length: HELD }, () => timedGet());
    await wakeAfter(t0);
    await router?.kill();
    expect(routeUpstreams((await route()) as Route)).toEqual([]); // killed before the wake completed
    await sleep(1000);
    router = startRouter();
    const answers = await Promise.all(held);
    expectAnswered(answers, 'router killed');
    expect(answers.map((a) => a.answer.status)).toEqual(Array(HELD).fill(200)); // back well within the hold
    await wakesAgain();
  });

  it('router: SIGKILLed before the wake is asked; nginx asks the next router and serves', async () => {
    await putToSleep();
    await router?.kill(); // its wake socket stays on disk, refusing connections
    const held = Array.from({ length: HELD }, () => timedGet());
    await sleep(1500);
    expect(
      await store.get<WakeRecord>(store.keys.wake(APP)).then((w) => w && Date.now() - Date.parse(w.at) < 1500),
    ).toBeFalsy();
    router = startRouter();
    const answers = await Promise.all(held);
    expectAnswered(answers, 'router killed before the ask');
    expect(answers.map((a) => a.answer.status)).toEqual(Array(HELD).fill(200));
    await wakesAgain();
  });

  it('scheduler: SIGKILLed once it unparked the dyno (route waking); the next leader routes it and the held requests are served', async () => {
    await putToSleep();
    const held = Array.from({ length: HELD }, () => timedGet());
    await routeWhere('route waking', (r) => r.state === 'waking', 10_000);
    await scheduler?.kill();
    expect(routeUpstreams((await route()) as Route)).toEqual([]);
    await sleep(500);
    scheduler = startScheduler();
    const answers = await Promise.all(held);
    expectAnswered(answers, 'scheduler killed');
    expect(answers.map((a) => a.answer.status)).toEqual(Array(HELD).fill(200)); // a leader is back within the hold
    await wakesAgain();
  });

  it('agent: SIGKILLed while it starts the dyno (route waking); the held requests get an answer and the app wakes again', async () => {
    await putToSleep();
    const held = Array.from({ length: HELD }, () => timedGet());
    await routeWhere('route waking', (r) => r.state === 'waking', 10_000);
    await agent?.kill();
    expect(routeUpstreams((await route()) as Route)).toEqual([]);
    await sleep(500);
    agent = startAgent();
    const answers = await Promise.all(held);
    expectAnswered(answers, 'agent killed');
    expect(answers.map((a) => a.answer.status)).toEqual(Array(HELD).fill(200)); // the agent is back within the hold
    await wakesAgain();
  });
});

describe('a component killed mid-wake and kept down past the hold', () => {
  it('scheduler: the held requests get 503 "Application is starting" with Retry-After at the hold timeout; a leader back, the app wakes again', async () => {
    await putToSleep();
    const held = Array.from({ length: HELD }, () => timedGet());
    await routeWhere('route waking', (r) => r.state === 'waking', 10_000);
    await scheduler?.kill();
    const answers = await Promise.all(held);
    expectAnswered(answers, 'scheduler kept down');
    for (const { answer, ms } of answers) {
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.text).toContain('<title>Application is starting</title>');
      expect(ms).toBeGreaterThanOrEqual(WAKE_TIMEOUT_S * 1000 - 1000);
    }
    scheduler = startScheduler();
    await wakesAgain();
  });

  it('agent: its host lost (lease expired), the held requests get 503 with Retry-After at the hold; the agent back, the app wakes again', async () => {
    await putToSleep();
    const held = Array.from({ length: HELD }, () => timedGet());
    await routeWhere('route waking', (r) => r.state === 'waking', 10_000);
    await agent?.kill();
    const answers = await Promise.all(held);
    // The host's lease expires: the scheduler unassigns its dyno, which no host can take now; the route stays
    // waking (waiting for room), so the hold ends at its timeout with the router's 503 and Retry-After.
    const after = (await route()) as Route;
    expect(routeUpstreams(after)).toEqual([]);
    expectAnswered(answers, 'agent kept down');
    expect(answers.map((a) => a.answer.status)).toEqual(Array(HELD).fill(503));
    for (const { answer } of answers) expect(answer.headers['retry-after']).toBe('5');
    agent = startAgent();
    await withOutputs(
      waitFor('the host registered again', async () =>
        (await store.list<{ id: string }>(store.keys.hosts())).some((x) => x.id === hostId) ? true : undefined,
      ),
    );
    await wakesAgain(false);
  });
});
