import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { Store } from '../../../services/core/store.js';
import type { Assignment, Host, Instance } from '../../../services/core/types.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { agentSettings, assignmentOf, docker, log, forgetCluster, uniqueCluster, waitFor } from './support.js';

// Self-healing against the real etcd and Docker: crash restarts with a
// growing delay and their count kept across an agent restart, the HTTP
// health path of app.json, and the host's real usage.

const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
let store: Store;
let agent: RunningAgent | undefined;

const assignment = (id: string, over: Partial<Assignment> = {}) =>
  assignmentOf(hostId, id, { command: 'sleep 0.2; exit 3', ...over });

/** A web process answering GET /health with $STATUS, only for the Host header shop.localhost. */
const healthServer = `node -e "require('http').createServer((q,s)=>{s.statusCode=q.url==='/health'&&q.headers.host==='shop.localhost'?Number(process.env.STATUS):404;s.end('ok')}).listen(process.env.PORT)"`;

const start = () =>
  startAgent({
    store,
    runtime: new DockerRuntime(new Docker()),
    log,
    config: agentSettings(cluster, hostId, {
      restartDelayMs: 300,
      restartMaxDelayMs: 5000,
      restartResetMs: 60_000,
      healthTimeoutMs: 6000,
      usageMs: 1000,
    }),
  });
/** The status of GET <path> with a Host header (fetch does not let a caller set Host). */
const statusOf = (address: string, port: number, path: string, host: string) =>
  new Promise<number | undefined>((resolve) => {
    const req = request({ host: address, port, path, headers: { host }, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
const instance = (id: string) => store.get<Instance>(store.keys.instance('shop', id));

/** Every instance record written for `id`, in order, with the time it was seen. */
async function record(id: string): Promise<{ seen: { at: number; i: Instance }[]; stop: () => Promise<void> }> {
  const seen: { at: number; i: Instance }[] = [];
  const w = await store.etcd.watch().key(store.keys.instance('shop', id)).create();
  w.on('put', (kv) => seen.push({ at: Date.now(), i: JSON.parse(kv.value.toString()) as Instance }));
  return { seen, stop: () => w.cancel() };
}

beforeAll(() => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('selfheal'));
  agent = start();
});

afterAll(async () => {
  await agent?.stop();
  await forgetCluster(cluster);
  await store.etcd.delete().prefix(`${store.keys.prefix}/`);
  store.close();
});

describe('crash restarts', () => {
  const id = 'shop.worker.1.v1';

  it('restarts a container that exits 3 with a growing delay, reporting restarts and the exit code', async () => {
    const rec = await record(id);
    await store.put(store.keys.assignment(hostId, id), assignment(id));
    const last = await waitFor('four restarts', async () => {
      const i = await instance(id);
      return i && (i.restarts ?? 0) >= 4 ? i : undefined;
    });
    await rec.stop();
    expect(last).toMatchObject({ exitCode: 3, type: 'worker' });
    expect(last.lastExitAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(last.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    // Docker's start times of the first five runs: each gap is at least the
    // doubled delay (0.3, 0.6, 1.2, 2.4 s after the exit), beyond what a fixed
    // delay and the ~1 s of run time and detection could explain.
    const starts = [...new Set(rec.seen.flatMap((s) => (s.i.startedAt ? [Date.parse(s.i.startedAt)] : [])))].slice(
      0,
      5,
    );
    expect(starts.length).toBe(5);
    const gaps = starts.slice(1).map((t, k) => t - (starts[k] as number));
    gaps.forEach((g, k) => expect(g).toBeGreaterThanOrEqual(300 * 2 ** k));
    expect(gaps[3]).toBeGreaterThan((gaps[0] as number) + 1200);
    // Between runs it is reported crashed, with the exit code.
    expect(rec.seen.some((s) => s.i.state === 'crashed' && s.i.exitCode === 3)).toBe(true);
    expect((await docker.getContainer(last.containerId).inspect()).HostConfig.RestartPolicy?.Name).toBe('no');
  });

  it('keeps counting (and backing off) across an agent restart', async () => {
    const before = await instance(id);
    const n = before?.restarts ?? 0;
    await agent?.stop();
    agent = start();
    const after = await waitFor('a restart by the new agent', async () => {
      const i = await instance(id);
      return i && (i.restarts ?? 0) > n ? i : undefined;
    });
    expect(after.restarts).toBe(n + 1); // not 1: the count was read back from the instance record
    expect(after.backoff).toBeGreaterThanOrEqual((before?.backoff ?? 0) + 1);
    expect(after.containerId).toBe(before?.containerId);
    await store.delete(store.keys.assignment(hostId, id));
    await waitFor('removed', async () => ((await instance(id)) === undefined ? true : undefined));
  });
});

describe('HTTP health path (app.json)', () => {
  it('counts a web container up only once its path answers 2xx, with the app as Host', async () => {
    const id = 'shop.web.1.v1';
    await store.put(
      store.keys.assignment(hostId, id),
      assignment(id, {
        type: 'web',
        command: healthServer,
        env: { STATUS: '200' },
        healthcheck: { path: '/health', timeoutS: 2 },
      }),
    );
    const up = await waitFor('up', async () => {
      const i = await instance(id);
      return i?.state === 'up' ? i : undefined;
    });
    expect(await statusOf(up.address, up.port, '/health', 'shop.localhost')).toBe(200);
    expect(await statusOf(up.address, up.port, '/health', 'other.localhost')).toBe(404);
    const info = await docker.getContainer(up.containerId).inspect();
    expect(info.HostConfig.CpuShares).toBe(512);
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
  });

  it('never counts one whose path answers 500 up, and restarts it', async () => {
    const id = 'shop.web.2.v1';
    const rec = await record(id);
    await store.put(
      store.keys.assignment(hostId, id),
      assignment(id, {
        type: 'web',
        command: healthServer,
        env: { STATUS: '500' },
        healthcheck: { path: '/health', timeoutS: 2, attempts: 3 },
      }),
    );
    const running = await waitFor('running and answering 500', async () => {
      const i = await instance(id);
      if (!i?.port) return undefined;
      return (await statusOf(i.address, i.port, '/health', 'shop.localhost')) === 500 ? i : undefined;
    });
    expect(running.state).toBe('starting'); // its port answers: the TCP check alone would have said up
    await waitFor('failed its health check and restarted', async () =>
      ((await instance(id))?.restarts ?? 0) >= 1 ? true : undefined,
    );
    await rec.stop();
    expect(rec.seen.map((s) => s.i.state)).not.toContain('up');
    expect(rec.seen.map((s) => s.i.state)).toContain('crashed');
    await store.delete(store.keys.assignment(hostId, id));
  });
});

describe('host usage', () => {
  it('reports what the running containers use in the host record', async () => {
    const host = await waitFor('usage reported', async () => {
      const h = await store.get<Host>(store.keys.host(hostId));
      return h?.used && h.used.memoryMb > 0 ? h : undefined;
    });
    expect(host.used?.memoryMb).toBeLessThan(1024); // one small node server
    expect(host.used?.cpus).toBeGreaterThanOrEqual(0);
    expect(host.capacity).toEqual({ memoryMb: 4096, cpus: 2 });
    const lease = (await store.etcd.get(store.keys.host(hostId)).exec()).kvs[0]?.lease;
    expect(lease).not.toBe('0');
  });
});
