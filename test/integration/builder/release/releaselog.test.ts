import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildRecorder, HttpBuildReporter } from '../../../../services/builder/build/records.js';
import { ControllerClient } from '../../../../services/builder/controller.js';
import { topic } from '../../../../services/builder/output.js';
import { ReleasePhaseFollower } from '../../../../services/builder/release/releaselog.js';
import { createLogger } from '../../../../services/core/logger.js';
import { startController, type Harness } from '../../controller/harness.js';

// The builder follows a release command's output into the push through the
// real controller (in-process, real etcd): an internal log session of the
// release one-off (POST /internal/apps/:app/log-sessions) starts with its
// recent lines, so the output of a command that exited before the session
// opened is shown, then streams the rest; lines of an earlier release phase
// and of other dynos are not shown; the agent's exit line ends it. The lines
// it relays stay in the build's output but are logged once, as the agent's
// app[release.1], not again as paas[build].

let h: Harness;
const log = createLogger('releaselog-test', 'silent');

const ingest = async (lines: { at: number; source: 'app' | 'paas'; dyno: string; line: string }[]) => {
  const res = await h.call('POST', '/internal/logs', {
    token: h.internalToken,
    body: { lines: lines.map((l) => ({ app: 'rl', ...l, at: new Date(l.at).toISOString() })) },
  });
  expect(res.status).toBe(200);
};

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  h = await startController('release-log');
  expect((await h.call('POST', '/apps', { token: h.adminToken, body: { name: 'rl' } })).status).toBe(201);
});

afterAll(async () => {
  await h?.close();
});

describe('the release command output, followed by the builder', () => {
  it('the internal log session: the internal token only, an app that exists', async () => {
    const ok = await h.call('POST', '/internal/apps/rl/log-sessions', {
      token: h.internalToken,
      body: { lines: 10, tail: false, dyno: 'release.1' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.logplex_url).toMatch(new RegExp(`^${h.url}/apps/rl/log-sessions/[A-Za-z0-9_-]{60,}/stream$`)); // a sealed session (logs/sessions.ts)
    expect((await h.call('POST', '/internal/apps/rl/log-sessions', { token: h.adminToken, body: {} })).status).toBe(
      401,
    );
    expect(
      (await h.call('POST', '/internal/apps/nope/log-sessions', { token: h.internalToken, body: {} })).status,
    ).toBe(404);
    expect(
      (await h.call('POST', '/internal/apps/rl/log-sessions', { token: h.internalToken, body: { lines: -1 } })).status,
    ).toBe(422);
  });

  it('prints the lines of a quick command from the history, then live ones, until its exit', async () => {
    const since = Date.now();
    await ingest([
      { at: since - 60_000, source: 'app', dyno: 'release.1', line: 'output of an earlier release phase' },
      { at: since - 60_000, source: 'paas', dyno: 'release.1', line: 'Process exited with status 0' },
      // the release's one-off started and printed before the builder looked
      { at: since + 100, source: 'paas', dyno: 'release.1', line: 'Starting process' },
      { at: since + 110, source: 'app', dyno: 'release.1', line: 'migrating' },
      { at: since + 120, source: 'app', dyno: 'web.1', line: 'a web line' },
    ]);
    const out: string[] = [];
    const follower = new ReleasePhaseFollower({
      controller: new ControllerClient(h.url, h.internalToken),
      app: 'rl',
      sinceMs: since,
      out: { line: (t) => out.push(t) },
      log,
    });
    await until('the history', () => out.length === 1);
    await ingest([
      { at: since + 200, source: 'app', dyno: 'release.1', line: 'migrated 3 tables' },
      { at: since + 210, source: 'paas', dyno: 'release.1', line: 'Process exited with status 0' },
    ]);
    await until('the exit', () => follower.exitCode !== undefined);
    await follower.finish();
    expect(out).toEqual(['       migrating', '       migrated 3 tables']);
    expect(follower.exitCode).toBe(0);
  });

  it('a controller without the app: nothing is printed and finish() does not hang', async () => {
    const out: string[] = [];
    const follower = new ReleasePhaseFollower({
      controller: new ControllerClient(h.url, h.internalToken),
      app: 'nope',
      sinceMs: Date.now(),
      out: { line: (t) => out.push(t) },
      log,
    });
    const started = Date.now();
    await follower.finish(500);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(out).toEqual([]);
    expect(follower.exitCode).toBeUndefined();
  });

  it("the build's output keeps the relayed lines; `paas logs` has each once, as app[release.1]", async () => {
    const id = '20260101-000000-abcdef';
    const user = { id: 'u1', email: 'a@b.c' };
    const recorder = new BuildRecorder(new HttpBuildReporter(h.url, h.internalToken), 'rl', id, log);
    await recorder.start('c'.repeat(40), user);
    const pushed: string[] = [];
    const out = recorder.tee({ line: (t) => pushed.push(t) });
    const since = Date.now();
    topic(out, 'Running release command: ./migrate');
    await ingest([
      { at: since + 100, source: 'app', dyno: 'release.1', line: 'applying migration 0042' },
      { at: since + 110, source: 'paas', dyno: 'release.1', line: 'Process exited with status 0' },
    ]);
    const follower = new ReleasePhaseFollower({
      controller: new ControllerClient(h.url, h.internalToken),
      app: 'rl',
      sinceMs: since,
      out,
      log,
    });
    await until('the exit', () => follower.exitCode !== undefined);
    await follower.finish();
    topic(out, 'Release command succeeded');
    await recorder.finish({ status: 'succeeded' });
    expect(pushed).toEqual([
      '-----> Running release command: ./migrate',
      '       applying migration 0042',
      '-----> Release command succeeded',
    ]);

    const output = await h.call('GET', `/apps/rl/builds/${id}/output`, { token: h.adminToken });
    expect(output.body.lines).toEqual(pushed);
    let text = '';
    for (let i = 0; i < 50 && !text.includes('Release command succeeded'); i++) {
      const s = await h.call('POST', '/internal/apps/rl/log-sessions', {
        token: h.internalToken,
        body: { lines: 1000, tail: false },
      });
      text = await (await fetch(s.body.logplex_url)).text();
      if (!text.includes('Release command succeeded')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toContain('paas[build]: -----> Running release command: ./migrate');
    expect(text).toContain('app[release.1]: applying migration 0042');
    expect(text.match(/applying migration 0042/g)).toHaveLength(1);
  });
});
