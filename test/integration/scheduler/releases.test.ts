import { beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseStatusRecord } from '../../../services/core/types.js';
import { containersOf, waitFor, webCommand } from '../agent/support.js';
import { schedulerHarness } from './harness.js';

// Failed releases and the release phase end to end: the real scheduler and
// agent against the real etcd and Docker, releases written as the controller
// would. A short rollout timeout makes a release that never comes up fail
// fast, a short release timeout a release command that hangs.

const RELEASE_TIMEOUT_MS = 5000;
const h = schedulerHarness('releases', {
  app: 'hello',
  scheduler: { drainMs: 300, rolloutTimeoutMs: 6000, releaseTimeoutMs: RELEASE_TIMEOUT_MS },
  watchInstances: true,
});
const { cluster } = h;
/** Every release the route has named, in order (from a watch). */
const routed = () => h.routes.map((r) => r.release ?? 0);
/** Every instance record the agent wrote, in order (from a watch). */
const reports = h.instances;

const release = (processTypes: Record<string, string>, greeting: string): Promise<number> =>
  h.release({ config: { GREETING: greeting }, processTypes, description: `deploy ${greeting}` });

const status = (v: number) => h.store.get<ReleaseStatusRecord>(h.store.keys.releaseStatus('hello', v));

async function servedBy(greeting: string, version: number): Promise<void> {
  await h.served(`route to ${greeting}`, 1, ([body]) => body?.startsWith(`${greeting} `) ?? false, {
    release: version,
  });
}

beforeAll(() => h.createApp({ web: { quantity: 1, size: 'eco' } }));

describe('failed releases and the release phase', () => {
  it('a release whose web exits 1 fails within the timeout; the previous one keeps serving', async () => {
    const v1 = await release({ web: webCommand('v1') }, 'v1');
    await servedBy('v1', v1);
    await waitFor('v1 succeeded', async () => ((await status(v1))?.status === 'succeeded' ? true : undefined));

    const v2 = await release({ web: 'node -e "process.exit(1)"' }, 'v2');
    const failed = await waitFor(
      'v2 failed',
      async () => ((await status(v2))?.status === 'failed' ? await status(v2) : undefined),
      30_000,
    );
    expect(failed?.reason).toMatch(/^web\.1 crashed \(exit 1\)( once| \d+ times)$/);
    // its containers go; v1's stays and answers
    await waitFor('v2 container removed', async () =>
      (await containersOf(cluster)).every((c) => c.Labels['paas.release'] === '1') ? true : undefined,
    );
    await servedBy('v1', v1);
    expect(routed().every((v) => v !== v2)).toBe(true);
  });

  it('runs a release command that exits 0 once, then rolls out', async () => {
    const v3 = await release({ web: webCommand('v3'), release: 'node -e "console.log(\'migrating\')"' }, 'v3');
    await servedBy('v3', v3);
    await waitFor('v3 succeeded', async () => ((await status(v3))?.status === 'succeeded' ? true : undefined));
    // the one-off ran once, exited 0, was never restarted, and ran before any v3 web container
    const oneOff = reports.filter((r) => r.id === `hello.release.1.v${v3}`);
    expect(oneOff.at(-1)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(oneOff.every((r) => (r.restarts ?? 0) === 0)).toBe(true);
    const firstWeb = reports.findIndex((r) => r.type === 'web' && r.release === v3);
    expect(firstWeb).toBeGreaterThan(
      reports.findIndex((r) => r.id === `hello.release.1.v${v3}` && r.state === 'succeeded'),
    );
    await waitFor('one-off removed', async () =>
      (await containersOf(cluster)).every(
        (c) => c.Labels['paas.type'] === 'web' && c.Labels['paas.release'] === String(v3),
      )
        ? true
        : undefined,
    );
  });

  it('a release command that exits 2 fails the release: nothing rolls out, the old release keeps serving', async () => {
    const before = h.routes.length;
    const v4 = await release({ web: webCommand('v4'), release: 'node -e "process.exit(2)"' }, 'v4');
    const failed = await waitFor(
      'v4 failed',
      async () => ((await status(v4))?.status === 'failed' ? await status(v4) : undefined),
      30_000,
    );
    expect(failed?.reason).toBe('release command failed (exit 2)');
    await waitFor('one-off removed', async () => ((await containersOf(cluster)).length === 1 ? true : undefined));
    const [c] = await containersOf(cluster);
    expect(c?.Labels['paas.release']).toBe('3');
    await servedBy('v3', 3);
    expect(
      routed()
        .slice(before)
        .every((v) => v === 3),
    ).toBe(true);
  });

  it('a release command that hangs is stopped at the release timeout and fails the release; the old release keeps serving', async () => {
    const before = h.routes.length;
    const started = Date.now();
    const v5 = await release({ web: webCommand('v5'), release: 'echo migrating; sleep 600' }, 'v5');
    await waitFor('release one-off running', async () =>
      reports.some((r) => r.id === `hello.release.1.v${v5}` && r.state === 'up') ? true : undefined,
    );
    const failed = await waitFor(
      'v5 failed',
      async () => ((await status(v5))?.status === 'failed' ? await status(v5) : undefined),
      30_000,
    );
    expect(failed?.reason).toBe('release command timed out after 5 s');
    expect(Date.now() - started).toBeGreaterThanOrEqual(RELEASE_TIMEOUT_MS);
    // its one-off container is stopped and removed; no v5 web container ever ran; v3 keeps serving
    await waitFor('one-off removed', async () => ((await containersOf(cluster)).length === 1 ? true : undefined));
    const [c] = await containersOf(cluster);
    expect(c?.Labels['paas.release']).toBe('3');
    expect(reports.some((r) => r.release === v5 && r.type === 'web')).toBe(false);
    await servedBy('v3', 3);
    expect(
      routed()
        .slice(before)
        .every((v) => v === 3),
    ).toBe(true);
  });
});
