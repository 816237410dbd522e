import { formatDate, keyValues, table } from '../../format.js';
import type { ConfigVars, ReleaseInfo, ReleaseListEntry } from '../../../services/core/api.js';
import { configLines, shellLines } from '../config/format.js';

// Text the releases commands print.

/** The description column: a failed release says why, as Heroku's does. */
export function releaseDescription(r: Pick<ReleaseListEntry, 'description' | 'status' | 'failure'>): string {
  return r.status === 'failed' ? `${r.description}  failed: ${r.failure ?? 'unknown reason'}` : r.description;
}

/** Newest first, as Heroku lists them. */
export function releasesTable(releases: readonly ReleaseListEntry[]): string {
  const rows = [...releases]
    .sort((a, b) => b.version - a.version)
    .map((r) => [`v${r.version}`, releaseDescription(r), r.user.email ?? r.user.id, formatDate(r.created_at)]);
  return table(rows, ['Version', 'Description', 'User', 'Date']);
}

/** The releases:info block, with the release's config vars as Heroku shows them. */
export function releaseInfoText(r: ReleaseInfo, config: ConfigVars, shell = false): string {
  const head = [
    `=== Release v${r.version}`,
    keyValues([
      ['Change', r.description],
      ['By', r.user.email ?? r.user.id],
      ['When', formatDate(r.created_at)],
      ['Commit', r.commit ?? ''],
      ['Status', r.current ? `${r.status} (current)` : r.status],
      ...(r.failure ? ([['Failure', r.failure]] as [string, string][]) : []),
    ]),
  ];
  const vars = shell ? shellLines(config) : configLines(config);
  return [...head, '', `=== v${r.version} Config vars`, ...(vars ? [vars] : [])].join('\n');
}
