import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformEnv } from '../support/env.js';
import { CLI, REPO_DIR, httpGet, must, run } from '../support/run.js';

// The walking skeleton as a user lives it: a new user logs in, adds a key,
// creates an app in a git repo, pushes it, and it answers through the router;
// a second push serves the new version; a broken push fails and the old
// version keeps serving. Needs a platform brought up by scripts/up
// (scripts/test does it and exports PAAS_ENV_FILE).

const env = platformEnv();
const httpPort = Number(env.PAAS_HTTP_PORT ?? 80);
const domain = env.PAAS_DOMAIN ?? 'localhost';
const api = env.PAAS_API_URL ?? 'http://127.0.0.1:8700';
const adminConfigDir = process.env.PAAS_CONFIG_DIR ?? env.PAAS_CONFIG_DIR;

const work = mkdtempSync(join(tmpdir(), 'paas-e2e-'));
const userConfigDir = join(work, 'config');
const appDir = join(work, 'app');
const key = join(work, 'id_ed25519');
const appName = `e2e-${randomBytes(3).toString('hex')}`;
const host = `${appName}.${domain}`;

const paas = (args: string[], opts: { cwd?: string; configDir?: string } = {}) =>
  run('node', [CLI, ...args], { cwd: opts.cwd ?? work, env: { PAAS_CONFIG_DIR: opts.configDir ?? userConfigDir, PAAS_API_URL: undefined, PAAS_TOKEN: undefined } });

const gitEnv = {
  GIT_SSH_COMMAND: `ssh -i ${key} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`,
  GIT_AUTHOR_NAME: 'e2e',
  GIT_AUTHOR_EMAIL: 'e2e@example.com',
  GIT_COMMITTER_NAME: 'e2e',
  GIT_COMMITTER_EMAIL: 'e2e@example.com',
};
const git = (args: string[]) => run('git', args, { cwd: appDir, env: gitEnv });

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
  beforeAll(async () => {
    // The admin (logged in by scripts/up) makes a user; the user logs in.
    const made = await paas(['users:create', `${appName}@example.com`, '--json'], { configDir: adminConfigDir });
    expect(made.code, made.stderr).toBe(0);
    const token = JSON.parse(made.stdout).token as string;
    const login = await paas(['login', '--api', api, '--token', token]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`${appName}@example.com`);

    await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'e2e', '-f', key]);
    const added = await paas(['keys:add', `${key}.pub`]);
    expect(added.code, added.stderr).toBe(0);

    cpSync(join(REPO_DIR, 'test/fixtures/express-hello'), appDir, { recursive: true });
    await must('git', ['init', '-q', '-b', 'main'], { cwd: appDir });
    await must('git', ['add', '.'], { cwd: appDir });
    await must('git', ['commit', '-qm', 'first'], { cwd: appDir, env: gitEnv });
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

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

  it('a second push serves the new version', async () => {
    await commitMessage('hello v2', 'second');
    const started = Date.now();
    const push = await git(['push', 'paas', 'main']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/Released v2/);
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

  it('an unknown host gets the router\'s 404', async () => {
    const r = await httpGet(httpPort, `no-such-app-${appName}.${domain}`);
    expect(r.status).toBe(404);
  });
});
