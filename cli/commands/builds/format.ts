import { formatDate, table } from '../../format.js';
import type { BuildOutputView, BuildView } from '../../../services/core/api.js';

// Text the builds commands print.

/** 83_456 -> "1m 23s", 4_200 -> "4.2s"; a build still going has no duration. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

function durationOf(b: BuildView): string {
  if (b.status === 'pending' || b.status === 'building') return '';
  const ms = Object.values(b.phases).reduce((a, x) => a + x, 0);
  return ms > 0 ? formatDuration(ms) : '';
}

/** Newest first, as the API answers. */
export function buildsTable(builds: readonly BuildView[]): string {
  const rows = builds.map((b) => [
    b.id,
    b.release ? `${b.status} (v${b.release.version})` : b.status,
    b.source_blob.version.slice(0, 7),
    b.user.email || b.user.id,
    formatDate(b.created_at),
    durationOf(b),
  ]);
  return table(rows, ['Id', 'Status', 'Commit', 'User', 'Date', 'Duration']);
}

/** The output as the pusher saw it, with a note when its start was not kept. */
export function outputText(out: BuildOutputView): string {
  const note = out.truncated_bytes > 0 ? [`(the first ${out.truncated_bytes} bytes of output were not kept)`] : [];
  return [...note, ...out.lines].join('\n');
}
