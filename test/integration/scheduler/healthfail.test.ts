import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { Store } from '../../../services/core/store.js';
import type { HealthCheck, Instance, Route } from '../../../services/core/types.js';
import { startScheduler, type RunningScheduler } from '../../../services/scheduler/scheduler.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { RUN_IMAGE, agentSettings, httpBody, log, removeContainersOf, uniqueCluster, waitFor } from '../agent/support.js';

// A release whose web containers fail their health check (app.json) never
// takes traffic: with the real scheduler, agent and Docker, the old release
// keeps serving through it, and the next good release takes over.

const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
let store: Store;
let agent: RunningAgent;
let scheduler: RunningScheduler;
const routeHistory: Route[] = [];
let stopWatch: (() => Promise<void>) | undefined;

/** Answers `<greeting> web.<n>` on /, and $HEALTH on /health. */
const server = (greeting: string) =>
  `node -e "require('http').createServer((q,s)=>{s.statusCode=q.url==='/health'?Number(process.env.HEALTH):200;s.end('${greeting} '+process.env.DYNO)}).listen(process.env.PORT)"`;

async function release(greeting: string, health: number): Promise<number> {
  const healthcheck: HealthCheck = { path: '/health', timeoutS: 1, attempts: 2 };
  const r = await store.createRelease('hc', () => ({
    image: RUN_IMAGE,
    config: { HEALTH: String(health) },
    processTypes: { web: server(greeting) },
    healthcheck,
    description: greeting,
    createdBy: 't',
    createdAt: new Date().toISOString(),
  }));
  return r.version;
}

const route = () => store.get<Route>(store.keys.route('hc'));
const servedBy = (greeting: string) =>
  waitFor(`route to ${greeting}`, async () => {
    const r = await route();
    if (!r || r.upstreams.length !== 1) return undefined;
    return (await httpBody(r.upstreams[0] as string)) === `${greeting} web.1` ? r : undefined;
  });

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('healthfail'));
  const w = await store.etcd.watch().key(store.keys.route('hc')).create();
  w.on('put', (kv) => routeHistory.push(JSON.parse(kv.value.toString()) as Route));
  stopWatch = () => w.cancel();
  agent = startAgent({ store, runtime: new DockerRuntime(new Docker()), log, config: agentSettings(cluster, hostId, { restartDelayMs: 300 }) });
  scheduler = startScheduler({ store, log, name: 's', electionTtlSeconds: 3, drainMs: 500, resyncMs: 1000 });
});

afterAll(async () => {
  await scheduler?.stop();
  await agent?.stop();
  await stopWatch?.();
  await removeContainersOf(cluster);
  await store.etcd.delete().prefix(`${store.keys.prefix}/`);
  store.close();
});

describe('a release failing its health check', () => {
  it('keeps the old release serving, and the next good release takes over', async () => {
    await store.createApp({ name: 'hc', id: 'hc', owner: 'u', createdAt: new Date().toISOString(), latestRelease: 0 }, { web: { quantity: 1, size: 'eco' } });
    await release('v1', 200);
    const good = await servedBy('v1');
    expect(good.release).toBe(1);

    const mark = routeHistory.length;
    const bad = await release('v2', 500);
    // Its container runs and answers on /, but fails /health: crashed and restarted, never up.
    await waitFor('v2 failed its health check and was restarted', async () => {
      const i = await store.get<Instance>(store.keys.instance('hc', `hc.web.1.v${bad}`));
      return (i?.restarts ?? 0) >= 1 ? i : undefined;
    });
    const r = await route();
    expect(r?.release).toBe(1);
    expect(r?.upstreams).toEqual(good.upstreams);
    expect(await httpBody(good.upstreams[0] as string)).toBe('v1 web.1');
    expect(routeHistory.slice(mark).every((x) => x.release === 1 && x.upstreams.length === 1)).toBe(true);

    const fixed = await release('v3', 200);
    const next = await servedBy('v3');
    expect(next.release).toBe(fixed);
    expect(routeHistory.slice(mark).every((x) => x.upstreams.length > 0 && x.release !== bad)).toBe(true);
  });
});
