import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonRunner } from '../../../services/agent/addons/runner.js';
import { addonUrl, type AddonAssignment, type AddonInstance } from '../../../services/core/addons.js';
import { Store } from '../../../services/core/store.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { docker, uniqueCluster, waitFor } from './support.js';
import { ADDON_IMAGE, execIn, removeAddon, startRunner } from './addonsupport.js';

// A Redis add-on through the agent's add-on runner, real etcd and Docker, the
// real add-on image: up once it answers; an attached app's container reaches
// it by REDIS_URL with the password (and not without); a key written survives
// a `docker kill` (append-only file on the volume).

const IMAGE = ADDON_IMAGE;
const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
const name = `paas-redis-${cluster}`;
let store: Store;
let runner: AddonRunner | undefined;
let app: string | undefined;

const assignment: AddonAssignment = {
  name,
  host: hostId,
  kind: 'redis',
  addonId: `${cluster}-1111-4000-8000-000000000000`,
  app: 'shop',
  memoryMb: 256,
  cpuShares: 256,
  password: 'Redis_pw-0123456789abcdefghijklm',
  apps: ['shop'],
  createdAt: new Date().toISOString(),
};
const url = addonUrl({ kind: 'redis', name, password: assignment.password });

const exec = async (container: string, cmd: string[]) => (await execIn(container, cmd)).out;
const cli = (...args: string[]) => exec(app!, ['redis-cli', '-u', url, '--no-auth-warning', ...args]);
const instance = () => store.get<AddonInstance>(store.keys.addonInstance(name));

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('addons-redis'));
  await store.put(store.keys.addonAssignment(hostId, name), assignment);
  runner = await startRunner(store, cluster, hostId);
  const c = await docker.createContainer({
    Image: IMAGE,
    Cmd: ['sleep', 'infinity'],
    Labels: { 'paas.cluster': cluster, 'paas.host': hostId, 'paas.app': 'shop' },
    HostConfig: { Init: true },
  });
  await c.start();
  app = c.id;
});

afterAll(async () => {
  await runner?.stop();
  if (app) await docker.getContainer(app).remove({ force: true });
  await removeAddon(cluster, assignment);
  await store?.etcd.delete().prefix(store.keys.prefix + '/');
  store?.close();
});

describe('a Redis add-on', () => {
  it('is up, reached by its URL from the attached app, refused without the password', async () => {
    await waitFor('up', async () => ((await instance())?.state === 'up' ? true : undefined), 120_000);
    await waitFor('reachable', async () => ((await cli('ping')) === 'PONG' ? true : undefined));
    const anonymous = await exec(app!, ['redis-cli', '-h', name, 'get', 'x']);
    expect(anonymous).toMatch(/NOAUTH/);
  });

  it('keeps a written key across a docker kill (append-only file on the volume)', async () => {
    expect(await cli('set', 'greeting', 'hello')).toBe('OK');
    const before = (await instance())!;
    await docker.getContainer(before.container!).kill();
    await waitFor('up again', async () => {
      const i = await instance();
      return i?.state === 'up' && i.restarts >= 1 ? true : undefined;
    });
    await waitFor('the key', async () => ((await cli('get', 'greeting')) === 'hello' ? true : undefined));
  });
});
