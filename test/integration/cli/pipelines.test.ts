import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Release, ReleaseStatusRecord } from '../../../services/core/types.js';
import { newUser } from '../controller/harness.js';
import { startCli, type CliHarness } from './harness.js';

// paas pipelines, pipelines:create|add|info|promote|remove|destroy in-process
// against the real controller (in-process, real etcd).

let c: CliHarness;
let dev: { id: string; token: string };

const paas = (args: string[]) => c.paas(args, dev.token);

beforeAll(async () => {
  c = await startCli('cli-pipelines');
  dev = await newUser(c.h, 'dev@example.com');
  await c.createApps(dev.token, ['web-stg', 'web-prod', 'web-eu']);
  // web-stg v1: a build, serving
  const res = await c.h.call('POST', '/internal/apps/web-stg/releases', {
    token: c.h.internalToken,
    body: { image: 'paas/app-web-stg:b1', processTypes: { web: 'npm start' }, commit: 'abcdef1', user: dev.id },
  });
  expect(res.status).toBe(201);
  await c.h.store.put(c.h.store.keys.releaseStatus('web-stg', 1), {
    app: 'web-stg',
    version: 1,
    status: 'succeeded',
    at: new Date().toISOString(),
  } satisfies ReleaseStatusRecord);
  expect(
    (await c.h.call('PATCH', '/apps/web-prod/config-vars', { token: dev.token, body: { ENV: 'prod' } })).status,
  ).toBe(200);
});
afterAll(async () => {
  await c?.close();
});

describe('paas pipelines', () => {
  it('pipelines:create makes the pipeline with the app; pipelines:add adds another', async () => {
    expect(await paas(['pipelines'])).toMatchObject({
      code: 0,
      out: 'You have no pipelines. Create one with `paas pipelines:create NAME -a APP --stage staging`.',
    });
    expect(await paas(['pipelines:create', 'web', '-a', 'web-stg', '--stage', 'staging'])).toEqual({
      code: 0,
      out: 'Creating web pipeline... done\nAdding web-stg to web pipeline as staging... done',
      err: '',
    });
    expect(await paas(['pipelines:add', 'web', '-a', 'web-prod', '-s', 'production'])).toEqual({
      code: 0,
      out: 'Adding web-prod to web pipeline as production... done',
      err: '',
    });
    expect(await paas(['pipelines:add', 'web', '-a', 'web-eu', '--stage', 'prod'])).toMatchObject({
      code: 1,
      err: 'paas: Stage must be one of review, development, staging, production: "prod"',
    });
    expect(await paas(['pipelines:add', 'web', '-a', 'web-eu'])).toMatchObject({
      code: 1,
      err: "paas: Give the app's stage with --stage (review, development, staging or production)",
    });
    const list = await paas(['pipelines']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^=== Pipelines\nName\s+Owner\n─+\s+─+\nweb\s+dev@example.com$/);
    expect(JSON.parse((await paas(['pipelines', '--json'])).out)).toMatchObject([{ name: 'web' }]);
  });

  it('pipelines:info shows the apps by stage with their release, as text and --json', async () => {
    const info = await paas(['pipelines:info', 'web']);
    expect(info.code).toBe(0);
    expect(info.out.split('\n')).toEqual([
      '=== web',
      'Owner:  dev@example.com',
      '',
      'App       Stage       Release',
      '────────  ──────────  ───────',
      'web-stg   staging     v1',
      'web-prod  production  v1',
    ]);
    const asJson = JSON.parse((await paas(['pipelines:info', 'web', '--json'])).out);
    expect(asJson.stages.map((s: { stage: string }) => s.stage)).toEqual(['staging', 'production']);
    expect(await paas(['pipelines:info', 'nope'])).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that pipeline.",
    });
  });

  it('pipelines:promote releases the running build downstream, each app keeping its config', async () => {
    expect(await paas(['pipelines:promote', '-a', 'web-stg'])).toEqual({
      code: 0,
      out: 'Promoting to web-prod... done, v2',
      err: '',
    });
    expect(await c.h.store.get<Release>(c.h.store.keys.release('web-prod', 2))).toMatchObject({
      image: 'paas/app-web-stg:b1',
      config: { ENV: 'prod' },
      description: 'Promote from web-stg v1',
    });
    expect((await paas(['releases', '-a', 'web-prod'])).out).toContain('Promote from web-stg v1');
    // --to names the apps; one outside the pipeline is refused, nothing released
    expect(await paas(['pipelines:promote', '-a', 'web-stg', '--to', 'web-eu'])).toMatchObject({
      code: 1,
      err: 'paas: web-eu is not in the pipeline web',
    });
    expect(await paas(['pipelines:add', 'web', '-a', 'web-eu', '--stage', 'production'])).toMatchObject({ code: 0 });
    const json = await paas(['pipelines:promote', '-a', 'web-stg', '--to', 'web-eu, web-prod', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out).targets).toEqual([
      { app: { name: 'web-eu' }, stage: 'production', release: { version: 1 } },
      { app: { name: 'web-prod' }, stage: 'production', release: { version: 3 } },
    ]);
    expect(await paas(['pipelines:promote', '-a', 'web-prod'])).toMatchObject({
      code: 1,
      err: 'paas: No app downstream of web-prod (production) in the pipeline web to promote to',
    });
  });

  it('pipelines:remove takes an app out; pipelines:destroy needs --confirm', async () => {
    expect(await paas(['pipelines:remove', '-a', 'web-eu'])).toEqual({
      code: 0,
      out: 'Removing web-eu from web pipeline... done',
      err: '',
    });
    expect(await paas(['pipelines:remove', '-a', 'web-eu'])).toMatchObject({
      code: 1,
      err: 'paas: web-eu is not in a pipeline.',
    });
    expect(await paas(['pipelines:destroy', 'web'])).toMatchObject({
      code: 1,
      err: 'paas: This will delete the pipeline web (its apps stay as they are). To proceed, type paas pipelines:destroy web --confirm web',
    });
    expect(await paas(['pipelines:destroy', 'web', '--confirm', 'web'])).toEqual({
      code: 0,
      out: 'Destroying web pipeline... done',
      err: '',
    });
    expect((await paas(['pipelines'])).out).toMatch(/^You have no pipelines/);
  });
});
