import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, must, waitFor } from '../support/run.js';
import { e2eUser, httpPort, signUp } from './user.js';

// Sleep and wake as a user lives them, through the real router, scheduler,
// agent and Docker of a platform brought up by scripts/up: an app put to
// sleep answers its next requests (held by the router while its container
// is thawed or started, none refused), a config change while it sleeps is what
// it serves when it wakes, and a wake that crashes answers 503 at once and says why in
// `paas logs`. Durations outside the accepted range are refused.

const u = e2eUser('nap');
const { appName, host, appDir, gitEnv, paas } = u;

const ok = async (args: string[]) => {
  const r = await paas(args);
  expect(r.code, `paas ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
const webState = async () => {
  const ps = JSON.parse(await ok(['ps', '--json'])) as { name: string; state: string }[];
  return ps.find((d) => d.name === 'web.1')?.state;
};
const asleep = () =>
  waitFor('web.1 sleeping', 60_000, async () => ((await webState()) === 'sleeping' ? true : undefined));
const get = (path = '/') => httpGet(httpPort, host, path);

describe('sleep and wake', () => {
  beforeAll(async () => {
    await signUp(u);
    await ok(['apps:create', appName]);
    const push = await u.git(['push', 'paas', 'main']);
    expect(push.code, push.stderr).toBe(0);
  });

  afterAll(() => u.remove());

  it('refuses autosleep and lifetime durations out of range, and takes good ones', async () => {
    const bad = await paas(['ps:autosleep', '1ms']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/1m to 30d/);
    expect((await paas(['ps:lifetime', '10y'])).code).toBe(1);
    expect(await ok(['ps:autosleep', '45m'])).toMatch(/45m/);
    const policy = JSON.parse(await ok(['ps:autosleep', '--json'])) as { autosleep_s: number };
    expect(policy.autosleep_s).toBe(45 * 60);
  });

  it('ps:sleep parks web.1; concurrent requests are all held and answered by the woken app', async () => {
    expect((await get()).body.trim()).toBe('hello v1');
    await ok(['ps:sleep']);
    await asleep();
    const info = JSON.parse(await ok(['apps:info', '--json'])) as { dyno_state: string; sleeping_since: string };
    expect(info.dyno_state).toBe('sleeping');
    expect(Date.parse(info.sleeping_since)).not.toBeNaN();
    expect(await ok(['apps'])).toContain(`${appName} (sleeping)`);

    const answers = await Promise.all(Array.from({ length: 10 }, () => get()));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.map((a) => a.body.trim())).toEqual(Array(10).fill('hello v1'));
    expect(await webState()).toBe('up');
    await waitFor('Sleeping and Waking in paas logs', 30_000, async () => {
      const logs = await ok(['logs', '-n', '300']);
      return /paas\[web\.1\]: Sleeping/.test(logs) && /paas\[web\.1\]: Waking/.test(logs) ? true : undefined;
    });
  });

  it('a config:set while asleep leaves it asleep, and the next request is served with the new config', async () => {
    await ok(['ps:sleep']);
    await asleep();
    expect(await ok(['config:set', 'GREETING=good morning'])).toMatch(/v2/);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await webState()).toBe('sleeping');
    const r = await get('/greeting');
    expect(r.status).toBe(200);
    expect(r.body.trim()).toBe('good morning');
  });

  it('a wake that crashes answers 503 at once, not after the hold, and paas logs says why', async () => {
    // This version refuses to boot with CRASH_ON_BOOT set, which is set while it sleeps: its wake is a start of
    // the new release's container (a frozen one, paused asleep, would only be thawed), and that start exits 1.
    writeFileSync(
      join(appDir, 'server.js'),
      [
        "if (process.env.CRASH_ON_BOOT) { console.error('refusing to boot: CRASH_ON_BOOT'); process.exit(1); }",
        "require('http').createServer((q, s) => s.end('once\\n')).listen(process.env.PORT);",
        '',
      ].join('\n'),
    );
    await must('git', ['commit', '-qam', 'boots unless told not to'], { cwd: appDir, env: gitEnv });
    const push = await u.git(['push', 'paas', 'main']);
    expect(push.code, push.stderr).toBe(0);
    expect((await get()).body.trim()).toBe('once');
    await ok(['ps:sleep']);
    await asleep();
    await ok(['config:set', 'CRASH_ON_BOOT=1']);
    const t0 = Date.now();
    const r = await get();
    const elapsed = Date.now() - t0;
    expect(r.status).toBe(503);
    expect(elapsed).toBeLessThan(20_000); // the hold lasts up to 30 s
    await waitFor('the crash in paas logs', 30_000, async () => {
      const logs = await ok(['logs', '-n', '300']);
      return /refusing to boot: CRASH_ON_BOOT/.test(logs) && /Process exited with status 1/.test(logs)
        ? true
        : undefined;
    });
  });
});
