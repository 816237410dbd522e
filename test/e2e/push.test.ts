import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, must } from '../support/run.js';
import { domain, e2eUser, httpPort, signUp } from './user.js';

// The walking skeleton as a user lives it: a new user logs in, adds a key,
// creates an app in a git repo, pushes it, and it answers through the router;
// a second push (with a release command, whose output the push shows) serves
// the new version; a broken push fails and the old version keeps serving. Needs a platform brought up by scripts/up
// (scripts/test does it and exports PAAS_ENV_FILE).

const u = e2eUser('e2e');
const { appName, host, appDir, gitEnv, paas, git } = u;

/** When `git push` returns, the new version already answers: the builder waits for the router to serve it. */
async function servesNow(text: string) {
  const r = await httpGet(httpPort, host);
  expect(r.status).toBe(200);
  expect(r.body.trim()).toBe(text);
}

async function commitMessage(text: string, message: string) {
  writeFileSync(join(appDir, 'message.json'), JSON.stringify({ text }) + '\n');
  await must('git', ['commit', '-qam', message], { cwd: appDir, env: gitEnv });
}

describe('git push to a running app', () => {
  beforeAll(() => signUp(u));

  afterAll(() => u.remove());

  it('apps:create adds the paas remote and apps:info knows the URLs', async () => {
    const created = await paas(['apps:create', appName], { cwd: appDir });
    expect(created.code, created.stderr).toBe(0);
    const remote = await git(['remote', 'get-url', 'paas']);
    expect(remote.stdout.trim()).toMatch(new RegExp(`/${appName}\\.git$`));

    const info = await paas(['apps:info', '--json'], { cwd: appDir });
    expect(info.code, info.stderr).toBe(0);
    const app = JSON.parse(info.stdout);
    expect(app.name).toBe(appName);
    expect(app.web_url).toContain(host);
    expect(app.git_url).toBe(remote.stdout.trim());
  });

  it('the first push builds, releases and serves the app', async () => {
    const started = Date.now();
    const push = await git(['push', 'paas', 'main']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('remote: -----> Node.js app detected');
    expect(push.stderr).toMatch(/Released v1/);
    expect(push.stderr).toMatch(/v1 is serving/);
    await servesNow('hello v1');
    console.log(`cold push to serving: ${Date.now() - started} ms`);
  });

  it('a second push runs its release command, shows its output and serves the new version', async () => {
    writeFileSync(join(appDir, 'Procfile'), 'web: npm start\nrelease: echo "migrated on $DYNO"\n');
    await must('git', ['add', 'Procfile'], { cwd: appDir });
    await commitMessage('hello v2', 'second');
    const started = Date.now();
    const push = await git(['push', 'paas', 'main']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/Released v2/);
    // the release one-off's output, indented like build output, between the header and the outcome
    expect(push.stderr).toMatch(
      /remote: -----> Running release command: echo "migrated on \$DYNO"\s+remote: {8}migrated on release\.1\s+remote: -----> Release command succeeded/,
    );
    expect(push.stderr).toMatch(/v2 is serving/);
    await servesNow('hello v2');
    console.log(`warm push to serving: ${Date.now() - started} ms`);

    const releases = await paas(['releases', '--json'], { cwd: appDir });
    expect(releases.code, releases.stderr).toBe(0);
    expect(JSON.parse(releases.stdout).map((r: { version: number }) => r.version)).toEqual([1, 2]);
  });

  it('a broken build fails the push, makes no release, and the old version keeps serving', async () => {
    const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
    pkg.scripts.build = 'echo "compiling went wrong" >&2; exit 3';
    writeFileSync(join(appDir, 'package.json'), JSON.stringify(pkg, null, 2));
    await commitMessage('hello v3', 'broken');
    const push = await git(['push', 'paas', 'main']);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('compiling went wrong');
    expect(push.stderr).toMatch(/Build failed/i);

    const releases = await paas(['releases', '--json'], { cwd: appDir });
    expect(JSON.parse(releases.stdout)).toHaveLength(2);
    const r = await httpGet(httpPort, host);
    expect(r.body.trim()).toBe('hello v2');
  });

  it("an unknown host gets the router's 404", async () => {
    const r = await httpGet(httpPort, `no-such-app-${appName}.${domain}`);
    expect(r.status).toBe(404);
  });
});
