import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from '../../../support/run.js';
import { commitApp, makeKey, stackImagesExist, startHarness, type Harness } from '../harness.js';

// app.json's health check through a real build (the small `hello` fixture
// buildpack): the release request carries it; a malformed one fails the push
// naming app.json, and no release is made.

const haveStacks = await stackImagesExist(new Docker());

describe.skipIf(!haveStacks)('builder: app.json health checks', () => {
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    h = await startHarness({
      PAAS_BUILDPACKS_DIR: join(REPO_DIR, 'test/fixtures/buildpacks'),
      PAAS_BUILDPACKS: 'hello',
    });
    const k = await makeKey(h.dir, 'aj');
    key = k.path;
    h.controller.users.set(k.fingerprint, { id: 'u-aj', email: 'aj@example.com' });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function push(app: string, appJson: unknown) {
    h.controller.apps.set(app, { owner: 'u-aj', config: {} });
    const dir = join(h.dir, `src-${app}`);
    await commitApp(dir, {
      'hello.txt': 'hi\n',
      'app.json': typeof appJson === 'string' ? appJson : JSON.stringify(appJson),
    });
    const r = await h.push({ key, app, cwd: dir });
    return { ...r, releases: h.controller.releaseRequests(app).map((x) => x.body as { healthcheck?: unknown }) };
  }

  it('sends the web startup check with the release', async () => {
    const r = await push('aj-ok', {
      healthchecks: {
        web: [{ type: 'startup', path: '/health', timeout: 3, attempts: 4 }],
        worker: [{ command: ['true'] }],
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('app.json: web is up once GET /health answers 2xx/3xx');
    expect(r.stderr).toContain('health checks of process type "worker" are not supported; ignored');
    expect(r.releases.at(-1)?.healthcheck).toEqual({ path: '/health', timeoutS: 3, attempts: 4 });
  });

  it('fails the push for a malformed app.json, naming it, with no release', async () => {
    const r = await push('aj-bad', { healthchecks: { web: [{ path: 'health' }] } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('app.json: healthchecks.web[0].path must start with "/"');
    expect(h.controller.releaseRequests('aj-bad')).toHaveLength(0);
    const j = await push('aj-json', '{"healthchecks": ');
    expect(j.code).not.toBe(0);
    expect(j.stderr).toContain('app.json: not valid JSON');
  });
});
