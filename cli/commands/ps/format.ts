import type { DynoView, FormationEntryView, ReleaseListEntry } from '../../../services/core/api.js';
import { oneOffText } from '../run/format.js';

// Text the ps commands print: the dynos (ps) and the formation (ps:scale).

/** "web at 3:standard-1x, worker at 1:standard-2x" */
export function scaledText(entries: readonly FormationEntryView[]): string {
  return entries.map((e) => `${e.type} at ${e.quantity}:${e.size}`).join(', ');
}

/** "web=1:standard-1x worker=0:eco", as ps:scale without arguments shows the formation. */
export function formationText(entries: readonly FormationEntryView[]): string {
  return entries.map((e) => `${e.type}=${e.quantity}:${e.size}`).join(' ');
}

/** "2026/11/24 20:01:02" in UTC. */
function utc(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]}/${m[2]}/${m[3]} ${m[4]}` : iso;
}

/** "~ 3m ago": how long before `now`, in the largest whole unit. */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(s)) return '';
  if (s < 60) return `~ ${s}s ago`;
  if (s < 3600) return `~ ${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `~ ${Math.floor(s / 3600)}h ago`;
  return `~ ${Math.floor(s / 86400)}d ago`;
}

/**
 * "(exit 3, 2 restarts)" for a crashed dyno, "(2 restarts, last exit 137)" for
 * one running again; '' for one that never exited.
 */
export function crashNote(d: Pick<DynoView, 'state' | 'restarts' | 'exit_code'>): string {
  const parts: string[] = [];
  const code = d.exit_code;
  // failed and succeeded: a one-off (a release phase) that ran
  const exited = d.state === 'crashed' || d.state === 'failed' || d.state === 'succeeded';
  if (exited && code !== null) parts.push(`exit ${code}`);
  const n = d.restarts;
  if (n > 0) parts.push(`${n} restart${n === 1 ? '' : 's'}`);
  if (!exited && code !== null && n > 0) parts.push(`last exit ${code}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** ` v14 on host-1`: the dyno's release and host, when known. */
function placeNote(d: Pick<DynoView, 'release' | 'host'>): string {
  const v = d.release.version ? ` v${d.release.version}` : '';
  return d.host ? `${v} on ${d.host}` : v;
}

/**
 * Heroku's ps: a block per process type, `=== web (standard-1x): npm start (2)`,
 * then `web.1: up 2026/11/24 20:01:02 (~ 3m ago) v14 on host-1` per dyno (its
 * release and host); one that exited says so: `web.1: crashed (exit 1, 3
 * restarts) 2026/11/24 20:01:02 (~ 2m ago) v14 on host-1`.
 */
export function psText(app: string, dynos: readonly DynoView[], now: number): string {
  if (dynos.length === 0) return `No dynos on ${app}`;
  const types = [...new Set(dynos.filter((d) => d.type !== 'run').map((d) => d.type))]; // one-offs: oneOffText
  const runs = oneOffText(dynos, (iso) => `${utc(iso)} (${ago(iso, now)})`);
  return [
    runs,
    ...types.map((type) => {
      const mine = dynos.filter((d) => d.type === type);
      const first = mine[0] as DynoView;
      const lines = mine.map(
        (d) => `${d.name}: ${d.state}${crashNote(d)} ${utc(d.updated_at)} (${ago(d.updated_at, now)})${placeNote(d)}`,
      );
      return [`=== ${type} (${first.size}): ${first.command} (${mine.length})`, ...lines].join('\n');
    }),
  ]
    .filter((block) => block !== '')
    .join('\n\n');
}

/**
 * "v7 failed: web.1 crashed (exit 1) 3 times; v6 is serving" when the latest
 * release failed (the serving one: the newest release of an up web dyno); else
 * undefined.
 */
export function failedReleaseNote(
  releases: readonly Pick<ReleaseListEntry, 'version' | 'status' | 'failure'>[],
  dynos: readonly Pick<DynoView, 'type' | 'state' | 'release'>[],
): string | undefined {
  const latest = releases.reduce<(typeof releases)[number] | undefined>(
    (m, r) => (!m || r.version > m.version ? r : m),
    undefined,
  );
  if (latest?.status !== 'failed') return undefined;
  const serving = dynos
    .filter((d) => d.type === 'web' && d.state === 'up')
    .reduce((m, d) => Math.max(m, d.release.version), 0);
  const now = serving > 0 ? `v${serving} is serving` : 'no release is serving';
  return `v${latest.version} failed: ${latest.failure ?? 'unknown reason'}; ${now}`;
}
