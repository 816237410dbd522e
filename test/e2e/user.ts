import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { platformEnv } from '../support/env.js';
import { CLI, REPO_DIR, must, run, type Result } from '../support/run.js';

// What every end-to-end test starts from, as a new user of a platform
// brought up by scripts/up (scripts/test exports PAAS_ENV_FILE): the admin
// (logged in by scripts/up) makes a user, who logs in with a CLI config of
// their own, adds a fresh SSH key, and has the Express fixture app in a git
// repository with one commit.

export const env = platformEnv();
export const httpPort = Number(env.PAAS_HTTP_PORT ?? 80);
export const domain = env.PAAS_DOMAIN ?? 'localhost';
const api = env.PAAS_API_URL ?? 'http://127.0.0.1:8700';
const adminConfigDir = process.env.PAAS_CONFIG_DIR ?? env.PAAS_CONFIG_DIR;

export interface E2eUser {
  appName: string;
  /** `<app>.<domain>`: the Host the router serves the app at. */
  host: string;
  work: string;
  appDir: string;
  gitEnv: Record<string, string>;
  /** `paas ARGS` as this user (never the environment's PAAS_API_URL/PAAS_TOKEN), by default in the app's repo. */
  paas(args: string[], opts?: { cwd?: string; configDir?: string }): Promise<Result>;
  /** `git ARGS` in the app's repo, pushing with this user's key. */
  git(args: string[]): Promise<Result>;
  /** Removes the user's files. */
  remove(): void;
}

/** The names and helpers; call `signUp` (in beforeAll) before using them. */
export function e2eUser(prefix: string): E2eUser {
  const work = mkdtempSync(join(tmpdir(), `paas-${prefix}-`));
  const appName = `${prefix}-${randomBytes(3).toString('hex')}`;
  const appDir = join(work, 'app');
  const key = join(work, 'id_ed25519');
  const gitEnv = {
    GIT_SSH_COMMAND: `ssh -i ${key} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`,
    GIT_AUTHOR_NAME: 'e2e',
    GIT_AUTHOR_EMAIL: 'e2e@example.com',
    GIT_COMMITTER_NAME: 'e2e',
    GIT_COMMITTER_EMAIL: 'e2e@example.com',
  };
  return {
    appName,
    host: `${appName}.${domain}`,
    work,
    appDir,
    gitEnv,
    paas: (args, opts = {}) =>
      run('node', [CLI, ...args], {
        cwd: opts.cwd ?? appDir,
        env: {
          PAAS_CONFIG_DIR: opts.configDir ?? join(work, 'config'),
          PAAS_API_URL: undefined,
          PAAS_TOKEN: undefined,
        },
      }),
    git: (args) => run('git', args, { cwd: appDir, env: gitEnv }),
    remove: () => rmSync(work, { recursive: true, force: true }),
  };
}

/** Makes the user, logs them in, adds their key and commits the fixture app. */
export async function signUp(u: E2eUser): Promise<void> {
  const key = join(u.work, 'id_ed25519');
  const email = `${u.appName}@example.com`;
  const made = await u.paas(['users:create', email, '--json'], { cwd: u.work, configDir: adminConfigDir });
  expect(made.code, made.stderr).toBe(0);
  const token = JSON.parse(made.stdout).token as string;
  const login = await u.paas(['login', '--api', api, '--token', token], { cwd: u.work });
  expect(login.code, login.stderr).toBe(0);
  expect(login.stdout).toContain(email);

  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'e2e', '-f', key]);
  const added = await u.paas(['keys:add', `${key}.pub`], { cwd: u.work });
  expect(added.code, added.stderr).toBe(0);

  cpSync(join(REPO_DIR, 'test/fixtures/express-hello'), u.appDir, { recursive: true });
  await must('git', ['init', '-q', '-b', 'main'], { cwd: u.appDir });
  await must('git', ['add', '.'], { cwd: u.appDir });
  await must('git', ['commit', '-qm', 'first'], { cwd: u.appDir, env: u.gitEnv });
}
