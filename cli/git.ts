import * as fs from 'node:fs';
import git from 'isomorphic-git';
import { CliError } from './context.js';

// The app of the current folder: the `paas` remote of the git repository
// that contains it (read with isomorphic-git, no git binary needed).

export const REMOTE = 'paas';

/** ".../<app>.git" (ssh://, https://, scp-like git@host:app.git) -> app; undefined if the URL names no app. */
export function appFromGitUrl(url: string): string | undefined {
  const m = /(?:^|[/:])([a-z][a-z0-9-]*)\.git\/?$/.exec(url.trim());
  return m ? m[1] : undefined;
}

/** Whether the `paas` remote at `url` is the one of `app` (and so follows it). Pure. */
export function remoteIsApp(url: string | undefined, app: string): boolean {
  return url !== undefined && appFromGitUrl(url) === app;
}

/** The root of the repository containing `dir`, or undefined outside one. */
export async function gitRoot(dir: string): Promise<string | undefined> {
  try {
    return await git.findRoot({ fs, filepath: dir });
  } catch {
    return undefined;
  }
}

export async function remoteUrl(dir: string, name = REMOTE): Promise<string | undefined> {
  const root = await gitRoot(dir);
  if (!root) return undefined;
  const remotes = await git.listRemotes({ fs, dir: root });
  return remotes.find((r) => r.remote === name)?.url;
}

/** Adds the `paas` remote (or `name`), or points it at `url`; says which. */
export async function setRemote(root: string, url: string, name = REMOTE): Promise<'added' | 'updated' | 'unchanged'> {
  const remotes = await git.listRemotes({ fs, dir: root });
  const cur = remotes.find((r) => r.remote === name);
  if (cur?.url === url) return 'unchanged';
  await git.addRemote({ fs, dir: root, remote: name, url, force: true });
  return cur ? 'updated' : 'added';
}

export const NO_APP =
  'No app specified. Run this command from an app folder or specify which app to use with --app APP.';

/** --app, else the app of the `paas` remote of the repository around cwd. */
export async function resolveApp(cwd: string, flag: string | undefined): Promise<string> {
  if (flag) return flag;
  const url = await remoteUrl(cwd);
  const app = url === undefined ? undefined : appFromGitUrl(url);
  if (!app) throw new CliError(NO_APP);
  return app;
}
