import { afterAll, beforeAll } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import Docker from 'dockerode';
import { startAgent, type AgentDeps, type AgentSettings, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { Store } from '../../../services/core/store.js';
import type { Formation, HealthCheck, Instance, ProcessTypes, Route } from '../../../services/core/types.js';
import { loadConfig, type SchedulerConfig } from '../../../services/scheduler/config.js';
import { startScheduler, type RunningScheduler, type SchedulerOptions } from '../../../services/scheduler/scheduler.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { RUN_IMAGE, agentSettings, httpBody, log, forgetCluster, uniqueCluster, waitFor } from '../agent/support.js';

// One app on a platform in this process, for the scheduler's integration
// tests: a store under a prefix of its own on the real etcd, an agent on the
// real Docker engine and a scheduler, started before the file's tests and
// stopped (containers and keys removed) after them; the app's route (and, if
// asked, its instance records) watched from the start.

export interface HarnessOptions {
  /** The app the tests deploy: its route is watched. */
  app: string;
  agent?: Partial<AgentSettings>;
  /** The agent's platform lines in a dyno's log (AgentDeps.say). */
  say?: AgentDeps['say'];
  scheduler?: Partial<SchedulerConfig>;
  /** Also record every instance record of the app the agent writes. */
  watchInstances?: boolean;
}

export interface ReleaseFixture {
  processTypes: ProcessTypes;
  config?: Record<string, string>;
  description?: string;
  healthcheck?: HealthCheck;
}

export interface SchedulerHarness {
  readonly app: string;
  /** The agent's cluster label: only this file's containers carry it. */
  readonly cluster: string;
  store: Store;
  agent: RunningAgent;
  /** The scheduler stopped after the tests (a test that replaces it sets this). */
  scheduler: RunningScheduler;
  /** Every value the app's route has had, in order (from a watch started before the scheduler). */
  readonly routes: Route[];
  /** Every instance record of the app, in order (with watchInstances). */
  readonly instances: Instance[];
  /** The options the scheduler was started with, under another name (for a standby). */
  schedulerOptions(name: string): SchedulerOptions;
  route(): Promise<Route | undefined>;
  /** Creates the app as the controller does (default formation: web=1 eco). */
  createApp(formation?: Formation): Promise<void>;
  /** Writes a release of the app on the run stack as the builder does; its version. */
  release(r: ReleaseFixture): Promise<number>;
  /**
   * The app's route once it lists `n` upstreams, none of them in `not` (and
   * names `release`, if given), whose answers on / pass `accept`.
   */
  served(
    what: string,
    n: number,
    accept: (bodies: (string | undefined)[]) => boolean,
    o?: { not?: readonly string[]; release?: number },
  ): Promise<{ route: Route; bodies: string[] }>;
}

/** Registers the file's beforeAll/afterAll; the harness is ready inside tests. */
export function schedulerHarness(name: string, opts: HarnessOptions): SchedulerHarness {
  const cluster = uniqueCluster();
  const cancels: (() => Promise<void>)[] = [];
  const h = {
    app: opts.app,
    cluster,
    routes: [] as Route[],
    instances: [] as Instance[],
    schedulerOptions: (n: string): SchedulerOptions => ({
      store: h.store,
      log,
      config: { ...loadConfig({}), name: n, electionTtlSeconds: 3, drainMs: 500, resyncMs: 1000, ...opts.scheduler },
    }),
    route: () => h.store.get<Route>(h.store.keys.route(opts.app)),
    async createApp(formation: Formation = { web: { quantity: 1, size: 'eco' } }) {
      await h.store.createApp(
        { name: opts.app, id: 'app-1', owner: 'u1', createdAt: new Date().toISOString(), latestRelease: 0 },
        formation,
      );
    },
    async release(r: ReleaseFixture) {
      const rel = await h.store.createRelease(opts.app, () => ({
        image: RUN_IMAGE,
        config: r.config ?? {},
        processTypes: r.processTypes,
        ...(r.healthcheck && { healthcheck: r.healthcheck }),
        description: r.description ?? 'deploy',
        createdBy: 'test',
        createdAt: new Date().toISOString(),
      }));
      return rel.version;
    },
    served: (
      what: string,
      n: number,
      accept: (bodies: (string | undefined)[]) => boolean,
      o: { not?: readonly string[]; release?: number } = {},
    ) =>
      waitFor(what, async () => {
        const r = await h.route();
        if (!r || routeUpstreams(r).length !== n || routeUpstreams(r).some((u) => o.not?.includes(u))) return undefined;
        if (o.release !== undefined && r.release !== o.release) return undefined;
        const bodies = await Promise.all(routeUpstreams(r).map(httpBody));
        return accept(bodies) ? { route: r, bodies: bodies as string[] } : undefined;
      }),
  } as SchedulerHarness;

  beforeAll(async () => {
    h.store = Store.connect(etcdEndpoints(), uniquePrefix(name));
    cancels.push(
      await h.store.watchRecords<Route>(h.store.keys.route(opts.app), { put: (_key, route) => h.routes.push(route) }),
    );
    if (opts.watchInstances)
      cancels.push(
        await h.store.watchRecords<Instance>(h.store.keys.instances(opts.app), {
          put: (_key, i) => h.instances.push(i),
        }),
      );
    h.agent = startAgent({
      store: h.store,
      runtime: new DockerRuntime(new Docker()),
      log,
      config: agentSettings(cluster, `host-${cluster}`, opts.agent),
      ...(opts.say && { say: opts.say }),
    });
    h.scheduler = startScheduler(h.schedulerOptions('s1'));
  });

  afterAll(async () => {
    await h.scheduler?.stop();
    await h.agent?.stop();
    for (const cancel of cancels) await cancel();
    await forgetCluster(cluster);
    if (h.store) {
      await h.store.deletePrefix(`${h.store.keys.prefix}/`);
      h.store.close();
    }
  });

  return h;
}
