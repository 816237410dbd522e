import { appPath, type ApiClient } from '../../api.js';
import { CliError } from '../../context.js';
import type { AppInfo } from '../../../services/core/api.js';

// The release releases:info and rollback are about: as typed, or counted from the latest.

/** "v12" or "12" -> 12; anything else is refused. */
export function parseVersionArg(arg: string): number {
  const m = /^v?(\d{1,10})$/.exec(arg.trim());
  if (!m || Number(m[1]) < 1) throw new CliError(`${arg} is not a release version; use one such as v12`);
  return Number(m[1]);
}

/** The release rollback goes to without an argument: the one before the latest (Heroku's default). */
export function previousVersion(app: string, latest: number): number {
  if (latest < 2) throw new CliError(`${app} has no earlier release to roll back to`);
  return latest - 1;
}

/** The app's latest release; refused when it has none. */
export async function latestVersion(api: ApiClient, app: string): Promise<number> {
  const info = await api.get<AppInfo>(appPath(app));
  if (!info.release) throw new CliError(`${app} has no releases yet. Deploy with: git push paas main`);
  return info.release.version;
}
