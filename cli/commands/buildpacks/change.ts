import { appPath, type ApiClient } from '../../api.js';
import type { AppCall, OptionSpec } from '../../command.js';
import { CliError } from '../../context.js';
import type { BuildpackInstallation } from '../../../services/core/api.js';
import { changedText } from './format.js';

// The buildpacks commands work over GET/PUT /apps/:app/buildpack-installations.
// The list is changed here (pure functions below) and PUT whole, as Heroku's CLI does.

export type Change =
  { kind: 'set' | 'add'; url: string; index?: number } | { kind: 'remove'; url?: string; index?: number };

/** Heroku's names of ours (heroku/nodejs) are the same buildpack as ours (nodejs). */
function same(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/^heroku(-community)?\/(?=[a-z])/, '');
  return norm(a) === norm(b);
}

/** Parses -i/--index: a whole number from 1; pure. */
export function parseIndex(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new CliError(`Invalid index ${JSON.stringify(text)}: use a number from 1`);
  return Number(text);
}

/** The list after a change, as heroku/cli's buildpacks commands make it; pure. Indexes are 1-based. */
export function changeBuildpacks(current: readonly string[], change: Change): string[] {
  const list = [...current];
  if (change.kind === 'remove') {
    if (change.url === undefined && change.index === undefined)
      throw new CliError('Must specify a buildpack to remove, either by index or URL.');
    if (change.url !== undefined && change.index !== undefined)
      throw new CliError('Please choose either index or Buildpack, but not both.');
    const at = change.index !== undefined ? change.index - 1 : list.findIndex((u) => same(u, change.url as string));
    if (at < 0 || at >= list.length) {
      if (change.index !== undefined)
        throw new CliError(
          list.length
            ? `Invalid index. Only valid value is ${list.length === 1 ? '1' : `1 to ${list.length}`}.`
            : 'No buildpacks were found. Next release on this app will detect buildpacks normally.',
        );
      throw new CliError('Buildpack not found. Nothing was removed.');
    }
    list.splice(at, 1);
    return list;
  }
  const existing = list.findIndex((u) => same(u, change.url));
  if (existing >= 0 && !(change.kind === 'set' && existing === (change.index ?? 1) - 1))
    throw new CliError(`The buildpack ${change.url} is already set on your app.`);
  if (change.kind === 'set') {
    const at = (change.index ?? 1) - 1;
    if (at > list.length) throw new CliError(`Invalid index. Use 1 to ${list.length + 1}.`);
    list.splice(at, 1, change.url);
    return list;
  }
  const at = change.index === undefined ? list.length : Math.min(change.index - 1, list.length);
  list.splice(at, 0, change.url);
  return list;
}

export const installationsPath = (app: string) => appPath(app, '/buildpack-installations');

export const INDEX_OPTION: OptionSpec = ['-i, --index <index>', 'the 1-based position of the buildpack in the list'];

/** Reads the app's list, changes it and saves it; the list saved. */
/** buildpacks:add and buildpacks:set: what is typed, and the change it makes. */
export const parseUrlAndIndex = ([url]: [string], opts: { index?: string }) => ({ url, index: parseIndex(opts.index) });

/** Runs an add or a set of `url` (at `index`) and prints the new list. */
export function changeWith(kind: 'add' | 'set', verb: 'added' | 'set') {
  return async ({
    app,
    api,
    input: { url, index },
    out,
  }: AppCall<[string], { index?: string }, { url: string; index?: number }>) => {
    const change = { kind, url, ...(index !== undefined && { index }) };
    out(changedText(app, verb, await replace(api, app, (current) => changeBuildpacks(current, change))));
  };
}

export async function replace(api: ApiClient, app: string, change: (current: string[]) => string[]): Promise<string[]> {
  const current = (await api.get<BuildpackInstallation[]>(installationsPath(app))).map((b) => b.buildpack.url);
  const next = change(current);
  const saved = await api.request<BuildpackInstallation[]>('PUT', installationsPath(app), {
    updates: next.map((buildpack) => ({ buildpack })),
  });
  return saved.map((b) => b.buildpack.url);
}
