import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAddons, type AddonRunner } from '../../../services/agent/addons/runner.js';
import { addonNetworkName, addonVolumeName } from '../../../services/agent/addons/spec.js';
import type { AddonAssignment } from '../../../services/core/addons.js';
import type { AddonChangeView, AddonView } from '../../../services/core/api.js';
import { newUser, startController, type Harness } from '../controller/harness.js';
import { docker, log, waitFor } from '../agent/support.js';
import { schedulerHarness } from './harness.js';

// An add-on from the API to a running database an app uses, in one process
// on the real etcd and Docker: the controller (addons:create), the scheduler
// (places the add-on, rolls the release with DATABASE_URL out), an agent and
// its add-on runner (the add-on image, its network; the app's new dyno
// connected to it). The web dyno opens DATABASE_URL's host and port and says
// whether it could; addons:info says `up`; addons:destroy takes it away.

const IMAGE = process.env.PAAS_ADDON_IMAGE ?? 'paas/addon:latest';
const h = schedulerHarness('addons-e2e', { app: 'dbapp' });
let api: Harness;
let token: string;
let runner: AddonRunner | undefined;

/** A web process that answers `db ok` once it can open a TCP connection to DATABASE_URL's host and port. */
const dbCheck = `node -e "require('http').createServer((q,s)=>{const u=new URL(process.env.DATABASE_URL||'postgres://none:1');const c=require('net').connect(+u.port,u.hostname,()=>{s.end('db ok');c.destroy()});c.on('error',e=>s.end('db '+e.code))}).listen(process.env.PORT)"`;

beforeAll(async () => {
  api = await startController('addons-e2e', { PAAS_ETCD_PREFIX: h.store.keys.prefix });
  token = (await newUser(api, 'dev@example.com')).token;
  const made = await api.call('POST', '/apps', { token, body: { name: 'dbapp' } });
  if (made.status !== 201) throw new Error(`POST /apps: ${made.status}`);
  runner = await startAddons({
    store: h.store,
    docker,
    log,
    ctx: { cluster: h.cluster, hostId: `host-${h.cluster}`, image: IMAGE, pidsLimit: 256 },
    leaseTtlSeconds: 5,
    resyncMs: 1000,
    stopGraceSeconds: 5,
    volumeGraceMs: 3_600_000,
  });
});

afterAll(async () => {
  await runner?.stop();
  for (const c of await docker.listContainers({ all: true, filters: { label: [`paas.addon.cluster=${h.cluster}`] } }))
    await docker.getContainer(c.Id).remove({ force: true });
  for (const v of (await docker.listVolumes({ filters: { label: [`paas.addon.cluster=${h.cluster}`] } })).Volumes ?? [])
    await docker
      .getVolume(v.Name)
      .remove()
      .catch(() => undefined);
  await api?.close();
});

describe('a PostgreSQL add-on, end to end in one process', () => {
  let addon: AddonView;

  it('addons:create: placed, started, and the app serves with DATABASE_URL reaching it', async () => {
    await h.release({ processTypes: { web: dbCheck } });
    await h.served('v1 serving', 1, (b) => b[0] !== undefined && b[0].startsWith('db '));
    const res = await api.call<AddonChangeView>('POST', '/apps/dbapp/addons', { token, body: { kind: 'postgresql' } });
    expect(res.status).toBe(201);
    addon = res.body.addon;
    expect(res.body.releases).toEqual([{ app: 'dbapp', version: 2 }]);
    const served = await h.served('v2 reaching its database', 1, (b) => b[0] === 'db ok', { release: 2 });
    expect(served.bodies).toEqual(['db ok']);
    const info = await waitFor('addons:info up', async () => {
      const r = await api.call<AddonView>('GET', `/addons/${addon.name}`, { token });
      return r.body.state === 'up' ? r.body : undefined;
    });
    expect(info).toMatchObject({ host: `host-${h.cluster}`, restarts: 0 });
  });

  it('addons:destroy: its container, assignment and network go, the volume stays, the app loses the var', async () => {
    const res = await api.call<AddonChangeView>('DELETE', `/addons/${addon.name}?confirm=dbapp`, { token });
    expect(res.status).toBe(200);
    await waitFor('assignment gone', async () =>
      (await h.store.list<AddonAssignment>(h.store.keys.addonAssignments())).length === 0 ? true : undefined,
    );
    await waitFor('network gone', async () =>
      (await docker.listNetworks({ filters: { name: [addonNetworkName(h.cluster, addon.name)] } })).length === 0
        ? true
        : undefined,
    );
    const volume = addonVolumeName(h.cluster, { name: addon.name, addonId: addon.id });
    expect((await docker.getVolume(volume).inspect()).Name).toBe(volume);
    await h.served('v3 without it', 1, (b) => b[0] !== undefined && b[0] !== 'db ok', { release: 3 });
  });
});
