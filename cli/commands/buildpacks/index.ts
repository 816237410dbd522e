import { appListing } from '../../command.js';
import type { BuildpackInstallation } from '../../../services/core/api.js';
import { installationsPath } from './change.js';

/** The `paas buildpacks` text; pure. */
export function buildpacksText(app: string, list: readonly BuildpackInstallation[]): string {
  if (list.length === 0) return `${app} has no Buildpack URL set.`;
  if (list.length === 1) return `=== ${app} Buildpack URL\n${list[0]?.buildpack.url}`;
  return [`=== ${app} Buildpack URLs`, ...list.map((b) => `${b.ordinal + 1}. ${b.buildpack.url}`)].join('\n');
}

export default appListing<BuildpackInstallation[]>('buildpacks', {
  description: "list an app's buildpacks (none: each build detects one of ours)",
  example: ['$ paas buildpacks -a my-app', '=== my-app Buildpack URL', 'nodejs'],
  path: (app) => installationsPath(app),
  text: (app, list) => buildpacksText(app, list),
});
