import { appPath, type ApiClient } from '../../api.js';
import { CliError } from '../../context.js';
import type { ConfigVars } from '../../../services/core/api.js';

// config:set and config:unset: a PATCH of the app's config vars, which makes a release.

/** The header in which the API names the release a config change made. */
export const RELEASE_VERSION_HEADER = 'paas-release-version';

/**
 * `K=V` arguments as [key, value] pairs, in order; the first `=` splits, so a
 * value may contain `=` and may be empty. Refuses an argument without a key or `=`.
 */
export function parseAssignments(args: readonly string[]): [string, string][] {
  if (args.length === 0)
    throw new CliError('Usage: paas config:set KEY1=VALUE1 [KEY2=VALUE2 ...]. Must specify KEY and VALUE to set.');
  return args.map((arg) => {
    const i = arg.indexOf('=');
    if (i <= 0) throw new CliError(`${arg} is invalid. Must be in the format FOO=bar.`);
    return [arg.slice(0, i), arg.slice(i + 1)];
  });
}

/**
 * A PATCH body; later assignments of a key win, as the shell would have it. Built with fromEntries so no key is
 * special.
 */
export function patchBody(pairs: readonly (readonly [string, string | null])[]): Record<string, string | null> {
  return Object.fromEntries(pairs);
}

/** ", v5" from the API's header, or nothing if it did not send one. */
function versionSuffix(headers: Headers): string {
  const v = headers.get(RELEASE_VERSION_HEADER);
  return v ? `, v${v}` : '';
}

/** PATCHes the config vars; the whole config after it, and "done, v5" (the release it made). */
export async function patchConfig(
  api: ApiClient,
  app: string,
  body: Record<string, string | null>,
): Promise<{ config: ConfigVars; done: string }> {
  const { body: config, headers } = await api.exchange<ConfigVars>('PATCH', appPath(app, '/config-vars'), body);
  return { config, done: `done${versionSuffix(headers)}` };
}
