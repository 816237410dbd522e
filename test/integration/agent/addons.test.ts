import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAddons, type AddonRunner } from '../../../services/agent/addons/runner.js';
import { addonNetworkName, addonVolumeName } from '../../../services/agent/addons/spec.js';
import { addonUrl, type AddonAssignment, type AddonInstance } from '../../../services/core/addons.js';
import { Store } from '../../../services/core/store.js';
import { etcdEndpoints, uniquePrefix } from '../../support/env.js';
import { docker, log, uniqueCluster, waitFor } from './support.js';
import { ADDON_IMAGE, execIn, removeAddon, startRunner } from './addonsupport.js';

// The agent's add-on runner against the real etcd and Docker, with the real
// add-on image (scripts/addon-stack/build): a PostgreSQL add-on assigned by
// hand runs on its own volume and network; an attached app's container
// reaches it by its URL, another app's does not; `docker kill` of it under
// writes: started again on the same volume, every committed row there;
// unassigned: container and network gone, volume kept.

const IMAGE = ADDON_IMAGE;
const cluster = uniqueCluster();
const hostId = `host-${cluster}`;
const name = `paas-postgresql-${cluster}`;
let store: Store;
let runner: AddonRunner | undefined;
const appContainers: string[] = [];

const assignment: AddonAssignment = {
  name,
  host: hostId,
  kind: 'postgresql',
  addonId: `${cluster}-0000-4000-8000-000000000000`,
  app: 'shop',
  memoryMb: 256,
  cpuShares: 256,
  password: 'Strong_pw-0123456789abcdefghijkl',
  apps: ['shop'],
  createdAt: new Date().toISOString(),
};
const url = addonUrl({ kind: 'postgresql', name, password: assignment.password });

/** A container standing in for an app's dyno (the add-on image: it has psql), labelled as the agent labels dynos. */
async function appContainer(app: string): Promise<string> {
  const c = await docker.createContainer({
    Image: IMAGE,
    Cmd: ['sleep', 'infinity'],
    Labels: { 'paas.cluster': cluster, 'paas.host': hostId, 'paas.app': app },
    HostConfig: { Init: true },
  });
  await c.start();
  appContainers.push(c.id);
  return c.id;
}

const psql = (container: string, sql: string) => execIn(container, ['psql', url, '-tAc', sql]);
const instance = () => store.get<AddonInstance>(store.keys.addonInstance(name));
const upAfter = (restarts: number) =>
  waitFor(
    `${name} up (restarts ${restarts})`,
    async () => {
      const i = await instance();
      return i?.state === 'up' && i.restarts >= restarts ? i : undefined;
    },
    120_000,
  );
const addonContainers = () =>
  docker.listContainers({ all: true, filters: { label: [`paas.addon.cluster=${cluster}`] } });

beforeAll(async () => {
  store = Store.connect(etcdEndpoints(), uniquePrefix('addons-agent'));
  await store.put(store.keys.addonAssignment(hostId, name), assignment);
  runner = await startRunner(store, cluster, hostId);
});

afterAll(async () => {
  await runner?.stop();
  for (const id of appContainers)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
  await removeAddon(cluster, assignment);
  await store?.etcd.delete().prefix(store.keys.prefix + '/');
  store?.close();
});

describe('the add-on runner', () => {
  let shop: string;
  let other: string;

  it('runs the add-on, reports it up once PostgreSQL answers, and publishes no port', async () => {
    const up = await upAfter(0);
    expect(up).toMatchObject({ host: hostId, addonId: assignment.addonId, restarts: 0 });
    const info = await docker.getContainer(up.container!).inspect();
    expect(info.HostConfig.PortBindings ?? {}).toEqual({});
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([addonNetworkName(cluster, name)]);
    expect((await docker.getNetwork(addonNetworkName(cluster, name)).inspect()).Internal).toBe(true);
    expect(info.Config.User).toBe('1100:1100');
  });

  it("connects the attached app's containers, so its URL works there; another app's cannot resolve it", async () => {
    shop = await appContainer('shop');
    other = await appContainer('other');
    await waitFor('shop connected', async () => ((await psql(shop, 'select 40 + 2')).out === '42' ? true : undefined));
    const refused = await psql(other, 'select 1');
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/could not translate host name|Name or service not known|timeout/i);
  });

  it('joins a container of an attached app before it starts, so its very first query answers', async () => {
    const first = async (join: boolean) => {
      const c = await docker.createContainer({
        Image: IMAGE,
        Cmd: ['psql', url, '-tAc', 'select 7'], // one try, at once: a release command's migration
        Labels: { 'paas.cluster': cluster, 'paas.host': hostId, 'paas.app': 'shop' },
      });
      appContainers.push(c.id);
      if (join) await runner!.join(c.id, 'shop');
      await c.start();
      const { StatusCode } = (await c.wait()) as { StatusCode: number };
      return { code: StatusCode, out: (await c.logs({ stdout: true, stderr: true })).toString('utf8') };
    };
    const joined = await first(true);
    expect(joined.out).toContain('7');
    expect(joined.code).toBe(0);
    // not joined first: connected by the runner's pass only once it runs, after its query failed
    expect((await first(false)).code).not.toBe(0);
  });

  it('restarts a killed add-on on the same volume: every committed row is still there', async () => {
    expect((await psql(shop, 'create table rows (n int primary key)')).code).toBe(0);
    // writes under way when it is killed: each insert commits on its own
    const writer = execIn(shop, [
      'bash',
      '-c',
      `for i in $(seq 1 100000); do psql "${url}" -qtAc "insert into rows values ($i)" >/dev/null 2>&1 || break; echo $i > /tmp/last; done; cat /tmp/last`,
    ]);
    await waitFor('some rows', async () => {
      const n = Number((await psql(shop, 'select count(*) from rows')).out);
      return n >= 20 ? n : undefined;
    });
    const before = (await instance())!;
    await docker.getContainer(before.container!).kill();
    const lastCommitted = Number((await writer).out);
    expect(lastCommitted).toBeGreaterThanOrEqual(20);
    const after = await upAfter(1);
    expect(after.container).toBe(before.container); // the same container, started again (same volume)
    await waitFor('answers again', async () => ((await psql(shop, 'select 1')).out === '1' ? true : undefined));
    const count = Number((await psql(shop, 'select count(*) from rows')).out);
    const max = Number((await psql(shop, 'select max(n) from rows')).out);
    expect(max).toBeGreaterThanOrEqual(lastCommitted);
    expect(count).toBe(max); // no gap: 1..max all there
  });

  it('detaches an app that is no longer attached', async () => {
    await store.put(store.keys.addonAssignment(hostId, name), { ...assignment, apps: ['other'] });
    await waitFor('other connected', async () => ((await psql(other, 'select 1')).out === '1' ? true : undefined));
    await waitFor('shop cut off', async () => ((await psql(shop, 'select 1')).code !== 0 ? true : undefined));
  });

  it('removes the container and network once unassigned, and keeps the volume', async () => {
    await store.delete(store.keys.addonAssignment(hostId, name));
    await waitFor('container gone', async () => ((await addonContainers()).length === 0 ? true : undefined));
    await waitFor('network gone', async () =>
      (await docker.listNetworks({ filters: { name: [addonNetworkName(cluster, name)] } })).length === 0
        ? true
        : undefined,
    );
    const vol = await docker.getVolume(addonVolumeName(cluster, assignment)).inspect();
    expect(vol.Name).toBe(addonVolumeName(cluster, assignment));
    await waitFor('instance record gone', async () => ((await instance()) === undefined ? true : undefined));
  });

  it("removes a destroyed add-on's volume once its grace period is over", async () => {
    await runner?.stop();
    runner = await startAddons({
      store,
      docker,
      log,
      ctx: { cluster, hostId, image: IMAGE, pidsLimit: 256 },
      leaseTtlSeconds: 5,
      resyncMs: 500,
      stopGraceSeconds: 5,
      volumeGraceMs: 1500,
    });
    const volume = addonVolumeName(cluster, assignment);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await docker.getVolume(volume).inspect()).Name).toBe(volume); // not before its time
    await waitFor('volume gone', async () =>
      (await docker.listVolumes({ filters: { name: [volume] } })).Volumes?.length ? undefined : true,
    );
  });
});
