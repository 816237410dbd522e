// The pure part of bench/faults.ts: what a fault did to the platform's records
// (releases, config, builds compared before and after), how long the router
// listed an unreachable host's dynos, whether a dyno ran twice, and the
// markdown table of the results.

/** What the API holds of an app, read before and after a fault. */
export interface Snapshot {
  releases: { version: number; description: string }[];
  config: Record<string, string>;
  builds: { id: string; status: string }[];
}

/** What a fault was expected to add: config vars set (one release each), and builds started (pushes). */
export interface Expected {
  set: Record<string, string>;
  /** Releases the fault's own writes should have made (a config:set: 1; a push retried to success: 1). */
  releases: number;
  /** Builds the fault's pushes should have recorded (an interrupted one counts). */
  builds: number;
}

export interface RecordCheck {
  ok: boolean;
  /** Releases, config vars and builds of before that are missing or changed after. */
  lost: string[];
  /** More new releases or builds than the fault's writes made. */
  duplicated: string[];
  /** Fewer than them, or a value set and not there. */
  missing: string[];
  /** Builds that were not finished after (neither succeeded nor failed): id (status). */
  unfinished: string[];
}

/** Compares the records after a fault with those before and what its writes should have added; pure. */
export function checkRecords(before: Snapshot, after: Snapshot, expected: Expected): RecordCheck {
  const lost: string[] = [];
  const duplicated: string[] = [];
  const missing: string[] = [];
  const afterReleases = new Map(after.releases.map((r) => [r.version, r]));
  for (const r of before.releases) {
    const a = afterReleases.get(r.version);
    if (!a) lost.push(`release v${r.version}`);
    else if (a.description !== r.description) lost.push(`release v${r.version} changed`);
  }
  const versions = after.releases.map((r) => r.version);
  if (new Set(versions).size !== versions.length) duplicated.push('a release version listed twice');
  const top = Math.max(0, ...before.releases.map((r) => r.version));
  const added = after.releases.filter((r) => r.version > top).length;
  if (added > expected.releases) duplicated.push(`${added - expected.releases} release(s) more than written`);
  if (added < expected.releases) missing.push(`${expected.releases - added} release(s) fewer than written`);
  for (const [k, v] of Object.entries(before.config))
    if (!(k in expected.set) && after.config[k] !== v) lost.push(`config ${k}`);
  for (const [k, v] of Object.entries(expected.set)) if (after.config[k] !== v) missing.push(`config ${k}=${v}`);
  const afterBuilds = new Map(after.builds.map((b) => [b.id, b]));
  for (const b of before.builds) if (!afterBuilds.has(b.id)) lost.push(`build ${b.id}`);
  const beforeIds = new Set(before.builds.map((b) => b.id));
  const newBuilds = after.builds.filter((b) => !beforeIds.has(b.id));
  if (newBuilds.length > expected.builds)
    duplicated.push(`${newBuilds.length - expected.builds} build(s) more than pushed`);
  if (newBuilds.length < expected.builds)
    missing.push(`${expected.builds - newBuilds.length} build(s) fewer than pushed`);
  const unfinished = newBuilds
    .filter((b) => b.status !== 'succeeded' && b.status !== 'failed')
    .map((b) => `${b.id} (${b.status})`);
  return {
    ok: lost.length + duplicated.length + missing.length + unfinished.length === 0,
    lost,
    duplicated,
    missing,
    unfinished,
  };
}

/** The check in a few words for the table. */
export function recordText(c: RecordCheck): string {
  if (c.ok) return 'ok';
  const parts = [
    ...c.lost.map((x) => `lost ${x}`),
    ...c.duplicated.map((x) => `duplicated: ${x}`),
    ...c.missing.map((x) => `missing: ${x}`),
    ...c.unfinished.map((x) => `build ${x} unfinished`),
  ];
  return parts.join('; ');
}

/** One sample of a router's table for the app: its peers, at `t` ms. */
export interface RouteSample {
  t: number;
  upstreams: readonly string[] | null;
}

/**
 * How long after `from` (ms) the router still listed a peer of `address` (the unreachable host's, "10.213.S.2"):
 * until the first sample at or after `from` that lists none. `heldMs` is that span; `throughout` when no sample up to
 * `until` was free of it (then heldMs is until - from). Samples that failed (null) do not end it.
 */
export function listedFor(
  samples: readonly RouteSample[],
  address: string,
  from: number,
  until: number,
): { heldMs: number; throughout: boolean; listedAtStart: boolean } {
  const lists = (s: RouteSample) => (s.upstreams ?? []).some((u) => u.startsWith(`${address}:`));
  const inWindow = samples.filter((s) => s.t >= from && s.t <= until && s.upstreams !== null);
  const listedAtStart = inWindow.length > 0 && lists(inWindow[0] as RouteSample);
  const free = inWindow.find((s) => !lists(s));
  if (!free) return { heldMs: until - from, throughout: true, listedAtStart };
  return { heldMs: free.t - from, throughout: false, listedAtStart };
}

/** One sample of the containers the engines run for the app: a dyno name (web.1) per running container, at `t` ms. */
export interface RunSample {
  t: number;
  dynos: readonly { dyno: string; host: string }[];
}

/**
 * Whether a dyno ran twice: the most containers of one dyno name seen at once, and the longest stretch (ms, between
 * the first and last sample of a run of samples) in which some dyno had two or more, counted from `from` on.
 */
export function twice(
  samples: readonly RunSample[],
  from: number,
): { max: number; longestMs: number; dynos: string[] } {
  let max = 0;
  let longestMs = 0;
  let runStart: number | undefined;
  const names = new Set<string>();
  for (const s of samples) {
    if (s.t < from) continue;
    const counts = new Map<string, number>();
    for (const d of s.dynos) counts.set(d.dyno, (counts.get(d.dyno) ?? 0) + 1);
    const top = Math.max(0, ...counts.values());
    max = Math.max(max, top);
    if (top >= 2) {
      for (const [n, c] of counts) if (c >= 2) names.add(n);
      runStart ??= s.t;
      longestMs = Math.max(longestMs, s.t - runStart);
    } else runStart = undefined;
  }
  return { max, longestMs, dynos: [...names].sort() };
}

/** ms after `from` until the first sample in which no dyno has two containers (undefined: none such). */
export function singleAfter(samples: readonly RunSample[], from: number): number | undefined {
  for (const s of samples) {
    if (s.t < from) continue;
    const counts = new Map<string, number>();
    for (const d of s.dynos) counts.set(d.dyno, (counts.get(d.dyno) ?? 0) + 1);
    if (Math.max(0, ...counts.values()) <= 1) return s.t - from;
  }
  return undefined;
}

/** One fault's figures, as bench/faults.ts prints them. */
export interface FaultResult {
  key: string;
  /** What was done. */
  what: string;
  /** Why it was not done (not in this topology). */
  skipped?: string;
  requests?: number;
  failed?: number;
  failures?: string;
  windowS?: number;
  /** The load's latency: p50 / p99 / max, and how many requests took over 1 s. */
  latency?: string;
  /** The control plane answering a read (the CLI, both API URLs), ms after the fault. */
  readMs?: number;
  /** A write (config:set, or a push retried) accepted, ms after the fault. */
  writeMs?: number;
  /** That write's release serving (the route names it, its dynos up), ms after the fault. */
  servedMs?: number;
  /** The lost dynos up on another host, ms after the fault. */
  movedMs?: number;
  /** The killed part back, or its successor leading (notes say which), ms after the fault. */
  backMs?: number;
  records?: string;
  notes?: string;
}

const s = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

/** The markdown table of the results; pure. */
export function faultsTable(results: readonly FaultResult[]): string {
  const rows = [
    '| fault | requests / failed | latency p50 / p99 / max (over 1 s) | control plane answers (read / write) | that write served | lost dynos up elsewhere | back | records before → after | notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of results) {
    if (r.skipped) {
      rows.push(`| ${r.what} | ${r.skipped} | | | | | | | |`);
      continue;
    }
    const failures = r.failures && r.failures !== '{}' ? ` ${r.failures}` : '';
    rows.push(
      `| ${r.what} | ${r.requests ?? '—'} / ${r.failed ?? '—'}${failures} (${r.windowS ?? '?'} s) | ${r.latency ?? '—'} | ${s(r.readMs)} / ${s(r.writeMs)} | ${s(r.servedMs)} | ${s(r.movedMs)} | ${s(r.backMs)} | ${r.records ?? '—'} | ${r.notes ?? ''} |`,
    );
  }
  return rows.join('\n');
}
