import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonRecord, AttachmentRecord } from '../../../services/core/addons.js';
import type { AddonChangeView, AddonView } from '../../../services/core/api.js';
import type { App, Release } from '../../../services/core/types.js';
import { newUser, startController, type Harness } from './harness.js';

// Add-ons' desired state over the real etcd: create, attach, detach, destroy,
// each one transaction with the releases of the apps whose config changes.

let h: Harness;
let alice: { id: string; token: string };
let bob: { id: string; token: string };

async function createApp(name: string, token = alice.token): Promise<void> {
  const res = await h.call('POST', '/apps', { token, body: { name } });
  if (res.status !== 201) throw new Error(`POST /apps: ${res.status} ${JSON.stringify(res.body)}`);
}

async function config(app: string, token = alice.token): Promise<Record<string, string>> {
  return (await h.call<Record<string, string>>('GET', `/apps/${app}/config-vars`, { token })).body;
}

/** What a refusal must leave alone: every add-on key, and each app's record and releases. */
async function everything(apps: string[]): Promise<unknown> {
  const k = h.store.keys;
  return {
    addons: await h.store.list<AddonRecord>(k.addons()),
    attachments: await h.store.list<AttachmentRecord>(k.addonAttachments()),
    apps: await Promise.all(
      apps.map(async (a) => ({
        app: (await h.store.get<App>(k.app(a)))?.latestRelease,
        releases: (await h.store.listReleases(a)).length,
      })),
    ),
  };
}

beforeAll(async () => {
  h = await startController('addons');
  alice = await newUser(h, 'alice@example.com');
  bob = await newUser(h, 'bob@example.com');
  await createApp('shop');
  await createApp('reports');
  await createApp('bobs', bob.token);
});
afterAll(async () => {
  await h?.close();
});

describe('add-ons', () => {
  let pg: AddonView;

  it('addons:create postgresql makes the add-on and a release with DATABASE_URL and <NAME>_URL', async () => {
    const res = await h.call<AddonChangeView>('POST', '/apps/shop/addons', {
      token: alice.token,
      body: { kind: 'postgresql' },
    });
    expect(res.status).toBe(201);
    pg = res.body.addon;
    expect(pg.name).toMatch(/^paas-postgresql-[a-z]+$/);
    expect(pg).toMatchObject({ kind: 'postgresql', plan: 'small', app: 'shop', state: 'provisioning', memory_mb: 256 });
    expect(res.body.releases).toEqual([{ app: 'shop', version: 1 }]);
    const alias = pg.name.toUpperCase().replace(/-/g, '_');
    const cfg = await config('shop');
    expect(Object.keys(cfg).sort()).toEqual(['DATABASE_URL', `${alias}_URL`].sort());
    expect(cfg.DATABASE_URL).toMatch(new RegExp(`^postgres://paas:[A-Za-z0-9_-]{32}@${pg.name}:5432/paas$`));
    const rel = (await h.store.listReleases('shop'))[0] as Release;
    expect(rel.description).toBe(`Attach ${alias} (@ref:${pg.name})`);
    expect(JSON.stringify(pg)).not.toContain(cfg.DATABASE_URL!.split(':')[2]!.split('@')[0]);
  });

  it('a second PostgreSQL gets only its own var; a Redis gets REDIS_URL; --plan and --as are honoured', async () => {
    const second = await h.call<AddonChangeView>('POST', '/apps/shop/addons', {
      token: alice.token,
      body: { kind: 'postgresql', plan: 'standard', as: 'reports_db' },
    });
    expect(second.status).toBe(201);
    expect(second.body.addon).toMatchObject({ plan: 'standard', memory_mb: 1024, cpu_shares: 1024 });
    expect(second.body.addon.attachments).toEqual([
      { app: 'shop', name: 'REPORTS_DB', config_vars: ['REPORTS_DB_URL'] },
    ]);
    const redis = await h.call<AddonChangeView>('POST', '/apps/shop/addons', {
      token: alice.token,
      body: { kind: 'redis' },
    });
    expect(redis.status).toBe(201);
    const cfg = await config('shop');
    expect(cfg.REDIS_URL).toMatch(new RegExp(`^redis://default:[A-Za-z0-9_-]{32}@${redis.body.addon.name}:6379$`));
    const listed = await h.call<AddonView[]>('GET', '/apps/shop/addons', { token: alice.token });
    expect(listed.body.map((a) => a.kind).sort()).toEqual(['postgresql', 'postgresql', 'redis']);
  });

  it('refuses bad input with a 4xx and writes nothing', async () => {
    const before = await everything(['shop', 'reports', 'bobs']);
    const tries: [string, string, unknown, string, number][] = [
      ['POST', '/apps/shop/addons', { kind: 'mysql' }, alice.token, 422],
      ['POST', '/apps/shop/addons', { kind: 'postgresql', plan: 'huge' }, alice.token, 422],
      ['POST', '/apps/shop/addons', { kind: 'postgresql', as: '9x' }, alice.token, 422],
      ['POST', '/apps/shop/addons', { kind: 'postgresql', as: 'REPORTS_DB' }, alice.token, 409], // alias taken
      ['POST', '/apps/bobs/addons', { kind: 'postgresql' }, alice.token, 404], // not hers
      ['POST', '/apps/nope/addons', { kind: 'postgresql' }, alice.token, 404],
      ['POST', `/addons/${pg.name}/attachments`, { app: 'bobs' }, alice.token, 404], // not her app
      ['POST', `/addons/${pg.name}/attachments`, { app: 'bobs' }, bob.token, 404], // not his add-on
      ['POST', `/addons/${pg.name}/attachments`, { app: 'shop' }, alice.token, 409], // attached already
      ['POST', `/addons/paas-postgresql-nope/attachments`, { app: 'shop' }, alice.token, 404],
      ['DELETE', `/addons/${pg.name}?confirm=reports`, undefined, alice.token, 422], // wrong --confirm
      ['DELETE', `/addons/${pg.name}?confirm=shop`, undefined, bob.token, 404],
      ['DELETE', `/apps/shop/addons/${pg.name}`, undefined, alice.token, 422], // its owner: destroy instead
      ['DELETE', `/apps/reports/addons/${pg.name}`, undefined, alice.token, 404], // not attached there
      ['GET', `/addons/${pg.name}`, undefined, bob.token, 404],
    ];
    for (const [method, path, body, token, status] of tries) {
      const res = await h.call(method, path, { token, ...(body !== undefined && { body }) });
      expect({ method, path, status: res.status }).toEqual({ method, path, status });
      expect(typeof res.body.message).toBe('string');
    }
    expect(await everything(['shop', 'reports', 'bobs'])).toEqual(before);
  });

  it('attach to another app gives it the URL as a release; destroy is refused while attached there', async () => {
    const res = await h.call<AddonChangeView>('POST', `/addons/${pg.name}/attachments`, {
      token: alice.token,
      body: { app: 'reports', as: 'main' },
    });
    expect(res.status).toBe(201);
    expect(res.body.releases).toEqual([{ app: 'reports', version: 1 }]);
    const shopUrl = (await config('shop')).DATABASE_URL;
    expect(await config('reports')).toEqual({ MAIN_URL: shopUrl, DATABASE_URL: shopUrl });
    const info = await h.call<AddonView>('GET', `/addons/${pg.name}`, { token: alice.token });
    expect(info.body.attachments.map((a) => `${a.app}:${a.name}`)).toEqual([
      `shop:${pg.name.toUpperCase().replace(/-/g, '_')}`,
      'reports:MAIN',
    ]);
    const before = await everything(['shop', 'reports']);
    const refused = await h.call('DELETE', `/addons/${pg.name}?confirm=shop`, { token: alice.token });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/attached to reports/);
    expect(await everything(['shop', 'reports'])).toEqual(before);
  });

  it('detach removes exactly its vars with a release; --all lists what the user sees', async () => {
    await h.call('PATCH', '/apps/reports/config-vars', { token: alice.token, body: { KEEP: '1' } });
    const res = await h.call<AddonChangeView>('DELETE', `/apps/reports/addons/${pg.name}`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body.releases).toEqual([{ app: 'reports', version: 3 }]);
    expect(await config('reports')).toEqual({ KEEP: '1' });
    expect((await h.call<AddonView[]>('GET', '/addons', { token: alice.token })).body).toHaveLength(3);
    expect((await h.call<AddonView[]>('GET', '/addons', { token: bob.token })).body).toHaveLength(0);
  });

  it('destroy --force takes the add-on, its attachments and their vars in one step', async () => {
    await h.call('POST', `/addons/${pg.name}/attachments`, { token: alice.token, body: { app: 'reports' } });
    const res = await h.call<AddonChangeView>('DELETE', `/addons/${pg.name}?confirm=shop&force=true`, {
      token: alice.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.releases.map((r) => r.app).sort()).toEqual(['reports', 'shop']);
    expect(await config('reports')).toEqual({ KEEP: '1' });
    const shop = await config('shop');
    expect(shop.DATABASE_URL).toBeUndefined();
    expect(Object.keys(shop).sort()).toEqual(expect.arrayContaining(['REDIS_URL', 'REPORTS_DB_URL']));
    expect(await h.store.get(h.store.keys.addon(pg.name))).toBeUndefined();
    expect((await h.call('GET', `/addons/${pg.name}`, { token: alice.token })).status).toBe(404);
  });

  it('many creates at once get distinct names and gap-free releases', async () => {
    await createApp('burst');
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        h.call<AddonChangeView>('POST', '/apps/burst/addons', { token: alice.token, body: { kind: 'redis' } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((a) => a.body.addon.name)).size).toBe(6);
    expect(answers.map((a) => a.body.releases[0]!.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Object.keys(await config('burst'))).toHaveLength(7); // six <NAME>_URL and one REDIS_URL
  });

  it('destroying the owner app takes its add-ons and attachments; renaming moves the attachments', async () => {
    await createApp('temp');
    const made = await h.call<AddonChangeView>('POST', '/apps/temp/addons', {
      token: alice.token,
      body: { kind: 'postgresql' },
    });
    await h.call('POST', `/addons/${made.body.addon.name}/attachments`, {
      token: alice.token,
      body: { app: 'reports' },
    });
    const refused = await h.call('DELETE', '/apps/temp', { token: alice.token });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/attached to other apps/);
    await h.call('DELETE', `/apps/reports/addons/${made.body.addon.name}`, { token: alice.token });
    const renamed = await h.call('PATCH', '/apps/temp', { token: alice.token, body: { name: 'temp2' } });
    expect(renamed.status).toBe(200);
    const info = await h.call<AddonView>('GET', `/addons/${made.body.addon.name}`, { token: alice.token });
    expect(info.body.app).toBe('temp2');
    expect(info.body.attachments.map((a) => a.app)).toEqual(['temp2']);
    expect((await h.call('DELETE', '/apps/temp2', { token: alice.token })).status).toBe(200);
    expect(await h.store.get(h.store.keys.addon(made.body.addon.name))).toBeUndefined();
    expect(await h.store.list(h.store.keys.addonAttachments('temp2'))).toEqual([]);
  });
});
