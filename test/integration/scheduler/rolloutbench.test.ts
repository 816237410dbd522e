import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import type { Formation } from '../../../services/core/types.js';
import { loadConfig as schedulerConfig } from '../../../services/scheduler/config.js';
import { startScheduler, type RunningScheduler } from '../../../services/scheduler/scheduler.js';
import { etcdEndpoints } from '../../support/env.js';
import { REPO_DIR, run } from '../../support/run.js';
import { startController, type Harness } from '../controller/harness.js';
import { RUN_IMAGE, agentSettings, log, forgetCluster, uniqueCluster } from '../agent/support.js';

// bench/rollout.ts (built) against a platform in this process: the real
// controller API, scheduler and agent with the real Docker engine. It must
// print its figures and leave the app as it found it.

const cluster = uniqueCluster();
let h: Harness;
let agent: RunningAgent;
let scheduler: RunningScheduler;

beforeAll(async () => {
  h = await startController('rolloutbench');
  agent = startAgent({
    store: h.store,
    runtime: new DockerRuntime(new Docker()),
    log,
    config: agentSettings(cluster, `host-${cluster}`),
  });
  scheduler = startScheduler({
    store: h.store,
    log,
    config: { ...schedulerConfig({}), name: 's', electionTtlSeconds: 3, drainMs: 500, resyncMs: 1000 },
  });
  const created = await h.call('POST', '/apps', { token: h.adminToken, body: { name: 'benched' } });
  expect(created.status).toBe(201);
  // What the builder writes after a build.
  await h.store.createRelease('benched', () => ({
    image: RUN_IMAGE,
    config: {},
    processTypes: { web: `node -e "require('http').createServer((q,s)=>s.end('ok')).listen(process.env.PORT)"` },
    description: 'Deploy',
    createdBy: 'builder',
    createdAt: new Date().toISOString(),
  }));
});

afterAll(async () => {
  await scheduler?.stop();
  await agent?.stop();
  await forgetCluster(cluster);
  await h?.close();
});

describe('bench/rollout.js', () => {
  it('measures web=1 and web=3 rollouts and puts the app back', async () => {
    const r = await run(
      process.execPath,
      [`${REPO_DIR}dist/bench/rollout.js`, '--app', 'benched', '--runs', '2', '--timeout', '60'],
      {
        env: {
          PAAS_API_URL: h.url,
          PAAS_TOKEN: h.adminToken,
          PAAS_ETCD_ENDPOINTS: etcdEndpoints().join(','),
          PAAS_ETCD_PREFIX: h.store.keys.prefix,
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, number>;
    for (const q of [1, 3]) {
      expect(out[`rollout_web${q}_runs`]).toBe(2);
      expect(out[`rollout_web${q}_ms_min`]).toBeGreaterThan(0);
      expect(out[`rollout_web${q}_ms_median`]).toBeGreaterThanOrEqual(out[`rollout_web${q}_ms_min`] as number);
      expect(out[`rollout_web${q}_ms_max`]).toBeGreaterThanOrEqual(out[`rollout_web${q}_ms_median`] as number);
    }
    expect(r.stderr).toMatch(/rollout web=3: median \d+(\.\d+)? ms/);
    expect((await h.store.get<Formation>(h.store.keys.formation('benched')))?.web?.quantity).toBe(1);
    const config = await h.call('GET', '/apps/benched/config-vars', { token: h.adminToken });
    expect(config.body).toEqual({});
    console.info(r.stdout.trim(), '\n', r.stderr.trim());
  });
});
