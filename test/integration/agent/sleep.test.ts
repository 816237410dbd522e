import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { Store } from '../../../services/core/store.js';
import type { Assignment, Instance } from '../../../services/core/types.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import {
  agentSettings,
  assignmentOf,
  containersOf,
  docker,
  httpBody,
  log,
  forgetCluster,
  uniqueCluster,
  waitFor,
} from './support.js';

// A parked assignment (its app sleeps) against the real etcd and Docker: its
// container is created ahead and not started, stopped and kept when the app
// falls asleep, and started again (the same container) when it wakes, which
// the dyno's log tells as Sleeping / Waking, not as a crash or a restart.

const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
let store: Store;
let agent: RunningAgent | undefined;
const said: string[] = [];

const assignment = (over: Partial<Assignment> = {}) => assignmentOf(hostId, 'cafe.web.1.v1', over);

const key = (s: Store) => s.keys.assignment(hostId, 'cafe.web.1.v1');
const instance = () => store.get<Instance>(store.keys.instance('cafe', 'cafe.web.1.v1'));
const inState = (state: Instance['state']) =>
  waitFor(`instance ${state}`, async () => {
    const i = await instance();
    return i?.state === state ? i : undefined;
  });
const containers = async () => (await containersOf(cluster)).map((c) => ({ id: c.Id, state: c.State }));

beforeAll(() => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('agent-sleep'));
  agent = startAgent({
    store,
    runtime: new DockerRuntime(new Docker()),
    log,
    config: agentSettings(cluster, hostId),
    say: (c, line, o) => said.push(`${c.labels['paas.assignment']}: ${line}${o?.fresh ? ' (fresh)' : ''}`),
  });
});

afterAll(async () => {
  await agent?.stop();
  await forgetCluster(cluster);
  await store.deletePrefix(`${store.keys.prefix}/`);
  store.close();
});

describe('agent: parked containers', () => {
  it('creates the container of a parked assignment without starting it', async () => {
    await store.put(key(store), assignment({ parked: true }));
    const i = await inState('sleeping');
    const list = await containers();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: i.containerId, state: 'created' });
  });

  it('starts that same container when it is unparked, and reports it up (no restart counted)', async () => {
    const before = await instance();
    await store.put(key(store), assignment());
    const up = await inState('up');
    expect(up.containerId).toBe(before?.containerId);
    expect(up.restarts ?? 0).toBe(0);
    expect(await httpBody(`${up.address}:${up.port}`)).toBe('v1 web.1');
    expect(said).toContain('cafe.web.1.v1: Waking (fresh)');
  });

  it('stops and keeps it when parked again, then wakes it again', async () => {
    const up = await inState('up');
    await store.put(key(store), assignment({ parked: true }));
    const asleep = await inState('sleeping');
    expect(asleep.containerId).toBe(up.containerId);
    const info = await docker.getContainer(up.containerId).inspect();
    expect(info.State.Running).toBe(false);
    expect(said).toContain('cafe.web.1.v1: Sleeping');

    await store.put(key(store), assignment());
    const again = await inState('up');
    expect(again.containerId).toBe(up.containerId);
    expect(again.restarts ?? 0).toBe(0);
    expect(await httpBody(`${again.address}:${again.port}`)).toBe('v1 web.1');
    expect(said.filter((l) => l.endsWith('Waking (fresh)'))).toHaveLength(2);
  });
});
