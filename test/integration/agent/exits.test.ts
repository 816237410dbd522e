import { afterAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { startAgent } from '../../../services/agent/agent.js';
import { DockerRuntime } from '../../../services/agent/docker.js';
import { Store } from '../../../services/core/store.js';
import type { Instance } from '../../../services/core/types.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { agentSettings, assignmentOf, log, forgetCluster, uniqueCluster, waitFor } from './support.js';

// A container's exit seen from its Docker `die` event alone, against the real
// etcd and Docker: the agent's resync timer is set to 10 minutes, so a
// one-off's result and a web dyno's crash are reported only if the agent
// looks again after the event (Docker's list still says `running` for some
// 50-70 ms after it).

const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
const store = Store.connect(etcdEndpoints(), uniquePrefix('agent-exits'));
const agent = startAgent({
  store,
  runtime: new DockerRuntime(new Docker()),
  log,
  config: agentSettings(cluster, hostId, { resyncMs: 600_000, restartDelayMs: 600_000 }),
});
const inState = (app: string, id: string, states: Instance['state'][]) =>
  waitFor(
    `${id} ${states.join(' or ')}`,
    async () => {
      const i = await store.get<Instance>(store.keys.instance(app, id));
      return i && states.includes(i.state) ? i : undefined;
    },
    20_000,
  );

afterAll(async () => {
  await agent.stop();
  await forgetCluster(cluster);
  await store.deletePrefix(`${store.keys.prefix}/`);
  store.close();
});

describe('agent: exits seen from Docker events', () => {
  it("reports a one-off's result and a web dyno's crash without waiting for the resync timer", async () => {
    const release = assignmentOf(hostId, 'tick.release.1.v1', { command: 'sleep 1; exit 3', oneOff: true, port: 0 });
    await store.put(store.keys.assignment(hostId, release.id), release);
    const done = await inState('tick', release.id, ['failed', 'succeeded']);
    expect(done).toMatchObject({ state: 'failed', exitCode: 3 });

    const web = assignmentOf(hostId, 'tock.web.1.v1', {
      command: `node -e "require('http').createServer((q, s) => s.end('up')).listen(process.env.PORT); setTimeout(() => process.exit(4), 1500)"`,
    });
    await store.put(store.keys.assignment(hostId, web.id), web);
    await inState('tock', web.id, ['up']);
    expect(await inState('tock', web.id, ['crashed'])).toMatchObject({ exitCode: 4 });
  });
});
