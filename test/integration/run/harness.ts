import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { Attacher } from '../../../services/agent/attach.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { QUEUE_BOUNDS } from '../../../services/agent/logs/flood.js';
import { LogShipper } from '../../../services/agent/logs/shipper.js';
import { ownerLabels } from '../../../services/agent/spec.js';
import { createApp } from '../../../services/controller/app.js';
import { loadConfig } from '../../../services/controller/config.js';
import { Repo } from '../../../services/controller/repo.js';
import { ensureAdmin } from '../../../services/controller/users/users.js';
import { Store } from '../../../services/core/store.js';
import { loadConfig as schedulerConfig } from '../../../services/scheduler/config.js';
import { startScheduler, type RunningScheduler } from '../../../services/scheduler/scheduler.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { RUN_IMAGE, agentSettings, log, removeContainersOf, uniqueCluster } from '../agent/support.js';

// `paas run` end to end in one process: the real controller (listening, with
// its rendezvous), scheduler, agent (with its attacher and log shipper) over
// the real etcd and Docker; an app whose release runs the run stack image.

export interface RunPlatform {
  url: string;
  store: Store;
  cluster: string;
  token: string;
  app: string;
  /** The environment for the built CLI / in-process CLI. */
  env: Record<string, string>;
  home: string;
  close(): Promise<void>;
}

export async function startRunPlatform(name: string, processTypes: Record<string, string> = {}): Promise<RunPlatform> {
  const prefix = uniquePrefix(name);
  const cluster = uniqueCluster();
  const hostId = `host-${cluster}`;
  const internalToken = `internal-${cluster}-0123456789abcdef`;
  const store = Store.connect(etcdEndpoints(), prefix);
  const config = loadConfig({ PAAS_INTERNAL_TOKEN: internalToken, PAAS_ETCD_PREFIX: prefix, PAAS_LOG_LEVEL: 'silent' });
  const server: Server = createApp({ store, logger: log, config }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { token } = await ensureAdmin(new Repo(store), 'admin@example.com');
  const docker = new Docker();
  const settings = agentSettings(cluster, hostId);
  const attacher = new Attacher({ docker, apiUrl: url, internalToken, log, stopGraceSeconds: 1 });
  const agent: RunningAgent = startAgent({
    store,
    runtime: new DockerRuntime(docker),
    log,
    config: settings,
    attacher,
  });
  const home = mkdtempSync(join(tmpdir(), 'paas-run-'));
  const shipper = new LogShipper({
    docker,
    labels: ownerLabels({ cluster, hostId }),
    apiUrl: url,
    internalToken,
    cursorFile: join(home, 'cursors.json'),
    log,
    flushMs: 100,
    scanMs: 300,
    flood: { ...QUEUE_BOUNDS, rate: 1000, burst: 2000 },
  });
  await shipper.start();
  const scheduler: RunningScheduler = startScheduler({
    store,
    log,
    config: { ...schedulerConfig({}), name: 's1', electionTtlSeconds: 3, drainMs: 200, resyncMs: 1000 },
  });

  const app = `run-${cluster}`;
  const call = async (method: string, path: string, body: unknown, bearer: string) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  await call('POST', '/apps', { name: app }, token);
  await call(
    'POST',
    `/internal/apps/${app}/releases`,
    { image: RUN_IMAGE, processTypes, description: 'test' },
    internalToken,
  );

  return {
    url,
    store,
    cluster,
    token,
    app,
    home,
    env: {
      PAAS_API_URL: url,
      PAAS_TOKEN: token,
      PAAS_CONFIG_DIR: join(home, 'config'),
      HOME: home,
      PATH: process.env.PATH ?? '',
    },
    async close() {
      await scheduler.stop();
      await agent.stop();
      await shipper.stop();
      server.closeAllConnections();
      server.close();
      await removeContainersOf(cluster);
      await store.etcd.delete().prefix(prefix + '/');
      store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
