// Build records: what the builder reports about each build, kept in etcd
// under /builds/<app>/<id> (the output apart, under /build-output/<app>/<id>).
// Pure types and helpers shared by the builder and the controller.

export const BUILD_STATUSES = ['pending', 'building', 'succeeded', 'failed'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/** The phases a build goes through, in order; each is timed in ms. */
export const BUILD_PHASES = ['queue_wait', 'fetch', 'compile', 'image', 'release', 'launch'] as const;
export type BuildPhase = (typeof BUILD_PHASES)[number];
export type BuildPhases = Partial<Record<BuildPhase, number>>;

/** How many build records an app keeps; older ones are deleted with the creation of a new one. */
export const BUILDS_KEPT = 50;

/** The most output kept per build (the tail); what was cut is counted. */
export const BUILD_OUTPUT_MAX_BYTES = 256 * 1024;

export interface BuildRecord {
  id: string;
  app: string;
  status: BuildStatus;
  commit: string;
  user: { id: string; email: string };
  createdAt: string;
  updatedAt: string;
  release: number | null;
  phases: BuildPhases;
  /** Why a failed build failed, as the pusher was told. */
  failure: string | null;
}

/**
 * Under /active-builds/<app> while a build of the app runs (an app's builds never overlap): put with its record,
 * deleted when it succeeds or fails, so that one range read tells which apps are building (AppInfo.state).
 */
export interface ActiveBuild {
  id: string;
  at: string;
}

/** An ActiveBuild older than this is one its builder never finished (it died): it no longer counts. */
export const ACTIVE_BUILD_STALE_MS = 2 * 3600_000;

export interface BuildOutput {
  lines: string[];
  /** Bytes of output cut from the start to keep the last BUILD_OUTPUT_MAX_BYTES. */
  truncatedBytes: number;
}

export interface BuildCacheRecord {
  generation: number;
  clearedAt: string;
}

/**
 * Keeps the last lines whose total (UTF-8, with a newline each) fits in
 * maxBytes; returns them with the number of bytes cut, added to those cut
 * before. A single line longer than the limit keeps its end.
 */
export function capOutput(lines: readonly string[], maxBytes = BUILD_OUTPUT_MAX_BYTES, alreadyCut = 0): BuildOutput {
  let total = 0;
  let i = lines.length;
  while (i > 0) {
    const size = Buffer.byteLength(lines[i - 1] as string) + 1;
    if (total + size > maxBytes) break;
    total += size;
    i--;
  }
  let cut = alreadyCut;
  for (let j = 0; j < i; j++) cut += Buffer.byteLength(lines[j] as string) + 1;
  const kept = lines.slice(i);
  if (kept.length === 0 && lines.length > 0) {
    const last = lines[lines.length - 1] as string;
    const tail = Buffer.from(last)
      .subarray(-(maxBytes - 1))
      .toString('utf8');
    return { lines: [tail], truncatedBytes: cut - Buffer.byteLength(tail) - 1 };
  }
  return { lines: kept, truncatedBytes: cut };
}

/** The output as text, with a note of what was cut first. */
export function outputText(out: BuildOutput): string {
  const note = out.truncatedBytes > 0 ? [`[${out.truncatedBytes} bytes of earlier output were not kept]`] : [];
  return [...note, ...out.lines].map((l) => `${l}\n`).join('');
}

/** Ids of builds to delete so that, with one more, at most `kept` remain: the oldest (ids sort by time). */
export function buildsToDrop(ids: readonly string[], kept = BUILDS_KEPT): string[] {
  const sorted = [...ids].sort();
  return sorted.slice(0, Math.max(0, sorted.length - (kept - 1)));
}

/** Sum of the timed phases, ms. */
export function buildDuration(phases: BuildPhases): number {
  return BUILD_PHASES.reduce((sum, p) => sum + (phases[p] ?? 0), 0);
}
