import { afterAll, afterEach, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent, type RunningAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { Store } from '../../../services/core/store.js';
import type { Assignment, Instance } from '../../../services/core/types.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import {
  agentSettings,
  assignmentOf,
  docker,
  httpBody,
  log,
  forgetCluster,
  uniqueCluster,
  waitFor,
} from './support.js';

// The frozen tier of sleep against the real etcd and Docker: a running
// container whose assignment is parked is paused (its process kept, no CPU)
// while the frozen ones fit PAAS_AGENT_FROZEN_MB, and unpaused when it is
// unparked: the same process answers again, not restarted. Over the budget
// (measured once paused), the oldest frozen one is stopped, and its wake is a
// start. An agent that restarts finds a paused container asleep and thaws it.
// A container parked cold (its dyno past its lifetime) is stopped, not frozen.

const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
const store = Store.connect(etcdEndpoints(), uniquePrefix('agent-freeze'));
let agent: RunningAgent | undefined;
const said: string[] = [];

const run = (frozenMb: number) => {
  agent = startAgent({
    store,
    runtime: new DockerRuntime(new Docker()),
    log,
    config: agentSettings(cluster, hostId, { frozenMb }),
    say: (c, line) => said.push(`${c.labels['paas.assignment']}: ${line}`),
  });
};

const assignment = (id: string, over: Partial<Assignment> = {}) => assignmentOf(hostId, id, over);
const put = (a: Assignment) => store.put(store.keys.assignment(hostId, a.id), a);
const inState = (id: string, state: Instance['state']) =>
  waitFor(`${id} ${state}`, async () => {
    const i = await store.get<Instance>(store.keys.instance('ice', id));
    return i?.state === state ? i : undefined;
  });
const dockerState = async (containerId: string) => (await docker.getContainer(containerId).inspect()).State;

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
});

afterAll(async () => {
  await forgetCluster(cluster);
  await store.deletePrefix(`${store.keys.prefix}/`);
  store.close();
});

describe('agent: frozen sleep', () => {
  it('pauses a sleeping container within the budget and unpauses the same process at its wake', async () => {
    run(512);
    await put(assignment('ice.web.1.v1'));
    const up = await inState('ice.web.1.v1', 'up');
    const startedAt = (await dockerState(up.containerId)).StartedAt;

    await put(assignment('ice.web.1.v1', { parked: true }));
    const asleep = await inState('ice.web.1.v1', 'sleeping');
    expect(asleep.containerId).toBe(up.containerId);
    expect(await dockerState(up.containerId)).toMatchObject({ Status: 'paused', Paused: true });
    expect(said).toContain('ice.web.1.v1: Sleeping');

    await put(assignment('ice.web.1.v1'));
    const again = await inState('ice.web.1.v1', 'up');
    expect(again.containerId).toBe(up.containerId);
    expect(again.restarts ?? 0).toBe(0);
    const state = await dockerState(up.containerId);
    expect(state).toMatchObject({ Status: 'running', Paused: false });
    expect(state.StartedAt).toBe(startedAt); // thawed, not started again
    expect(await httpBody(`${again.address}:${again.port}`)).toBe('v1 web.1');
    expect(said.filter((l) => l === 'ice.web.1.v1: Waking')).toHaveLength(1);
  });

  it('a paused container found by a restarted agent is asleep, and its wake thaws it', async () => {
    run(512);
    await put(assignment('ice.web.1.v1', { parked: true }));
    const asleep = await inState('ice.web.1.v1', 'sleeping');
    expect((await dockerState(asleep.containerId)).Paused).toBe(true);
    await agent?.stop();
    run(512);
    await put(assignment('ice.web.1.v1'));
    const up = await inState('ice.web.1.v1', 'up');
    expect(up.containerId).toBe(asleep.containerId);
    expect(await dockerState(up.containerId)).toMatchObject({ Status: 'running', Paused: false });
    expect(await httpBody(`${up.address}:${up.port}`)).toBe('v1 web.1');
  });

  it('over the budget the oldest frozen container is stopped, and its wake is a start', async () => {
    run(1); // one container is paused (nothing is held yet), then measured over 1 MB: stopped
    await put(assignment('ice.web.2.v1'));
    const up = await inState('ice.web.2.v1', 'up');
    const startedAt = (await dockerState(up.containerId)).StartedAt;
    await put(assignment('ice.web.2.v1', { parked: true }));
    await inState('ice.web.2.v1', 'sleeping');
    const stopped = await waitFor('web.2 stopped', async () => {
      const s = await dockerState(up.containerId);
      return s.Status === 'exited' ? s : undefined;
    });
    expect(stopped.Paused).toBe(false);

    await put(assignment('ice.web.2.v1'));
    const again = await inState('ice.web.2.v1', 'up');
    expect(again.containerId).toBe(up.containerId);
    expect((await dockerState(up.containerId)).StartedAt).not.toBe(startedAt); // started again
    expect(await httpBody(`${again.address}:${again.port}`)).toBe('v1 web.2');
  });

  it('stops, never freezes, a container parked cold (past its lifetime): its wake starts a new process', async () => {
    run(512);
    await put(assignment('ice.web.3.v1'));
    const up = await inState('ice.web.3.v1', 'up');
    const startedAt = (await dockerState(up.containerId)).StartedAt;
    await put(assignment('ice.web.3.v1', { parked: true, cold: true }));
    const asleep = await inState('ice.web.3.v1', 'sleeping');
    expect(asleep.containerId).toBe(up.containerId);
    expect(await dockerState(up.containerId)).toMatchObject({ Status: 'exited', Paused: false });
    await put(assignment('ice.web.3.v1'));
    const again = await inState('ice.web.3.v1', 'up');
    expect(again.containerId).toBe(up.containerId);
    expect((await dockerState(up.containerId)).StartedAt).not.toBe(startedAt);
  });
});
