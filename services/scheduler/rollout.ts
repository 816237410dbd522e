import { dynoName } from '../core/ids.js';
import { releaseTimeoutReason } from '../core/releasephase.js';
import { RELEASE_TYPE } from '../core/runs.js';
import type { Assignment, HealthCheck, Instance, ReleaseStatusRecord } from '../core/types.js';
import {
  exitedInstance,
  instanceKey,
  upInstance,
  type AppInput,
  type Desired,
  type LatestRelease,
  type PlanPart,
  type ReleaseStatus,
  type Snapshot,
} from './model.js';

// The fate of a release: which release an app runs (the latest, or the
// newest earlier one when the latest failed), whether its release phase still
// has to run, the two steps of the planner that judge it (its release phase,
// its rollout), and why it failed, in words a person understands.

/** How many containers a failure reason names before "and N more". */
const MAX_NAMED = 3;

export interface Fate {
  /** The latest release failed: the app runs its fallback (or nothing). */
  fellBack: boolean;
  /** The release phase of the latest release has still to run (or is running). */
  phase: boolean;
  /** The rollout of the latest release is still judged: it succeeds or fails by the timeout. */
  judged: boolean;
}

/** What the planner does with an app's latest release, given its status record; pure. */
export function fateOf(
  release: { image: string; processTypes: Record<string, string> } | undefined,
  status: ReleaseStatus | undefined,
): Fate {
  if (status?.status === 'failed') return { fellBack: true, phase: false, judged: false };
  const live = release !== undefined && release.image !== '';
  return {
    fellBack: false,
    phase: live && release.processTypes[RELEASE_TYPE] !== undefined && status === undefined,
    judged: live && status?.status !== 'succeeded',
  };
}

/** "once", "3 times". */
function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}

/** Why one container is not up: "web.1 crashed (exit 1) 3 times", "web.1 never passed its health check GET /health". */
export function notUpReason(name: string, instance: Instance | undefined, healthcheck?: HealthCheck): string {
  if (!instance) return `${name} did not start (its host has not reported it)`;
  const crashes = (instance.restarts ?? 0) + (instance.state === 'crashed' ? 1 : 0);
  const code = instance.exitCode;
  // A container that failed its health check is stopped by the agent: SIGTERM/SIGKILL (143/137) say nothing of the app.
  const stoppedByAgent = code === 143 || code === 137;
  if (healthcheck && (code === undefined || stoppedByAgent))
    return `${name} never passed its health check GET ${healthcheck.path}`;
  if (code !== undefined && crashes > 0 && !stoppedByAgent) return `${name} crashed (exit ${code}) ${times(crashes)}`;
  if (crashes > 0 || instance.state === 'crashed')
    return `${name} did not listen on $PORT (${times(Math.max(crashes, 1))})`;
  return `${name} did not listen on $PORT in time`;
}

export interface RolloutItem {
  /** web.1 */
  name: string;
  /** Its assignment; absent when no host could take it (`unplaced` says why). */
  assignment?: Assignment;
  instance?: Instance;
  unplaced?: string;
}

/** The failure reason of a rollout: each container that is not up, then "and N more"; pure. */
export function rolloutFailure(items: readonly RolloutItem[]): string {
  const parts = items.map((i) =>
    i.assignment
      ? notUpReason(i.name, i.instance, i.assignment.healthcheck)
      : `${i.name} could not be placed: ${i.unplaced ?? 'no host'}`,
  );
  const named = parts.slice(0, MAX_NAMED);
  if (parts.length > MAX_NAMED) named.push(`and ${parts.length - MAX_NAMED} more`);
  return named.join('; ') || 'its containers did not come up in time';
}

/** The reason of a failed release phase: "release command failed (exit 2)". */
export function releasePhaseFailure(instance: Instance): string {
  return instance.exitCode !== undefined
    ? `release command failed (exit ${instance.exitCode})`
    : 'release command failed (its container could not run)';
}

/**
 * When the rollout of a release started: its oldest rollout assignment; with
 * none (nothing could be placed), the later of the release's creation and the
 * end of its release phase; else now; never before the app's last wake
 * (`wokenAt`: a release made while it slept rolls out when it wakes). ms
 * since the epoch; pure.
 */
export function rolloutStart(
  assignments: readonly Pick<Assignment, 'createdAt'>[],
  release: { createdAt?: string } | undefined,
  status: ReleaseStatus | undefined,
  now: number,
  wokenAt = -Infinity,
): number {
  const times = assignments.map((a) => Date.parse(a.createdAt)).filter(Number.isFinite);
  if (times.length > 0) return Math.max(Math.min(...times), wokenAt);
  const known = [release?.createdAt, status?.at].map((t) => (t ? Date.parse(t) : NaN)).filter(Number.isFinite);
  return Math.max(known.length > 0 ? Math.max(...known) : now, wokenAt);
}

/**
 * The step of an app whose release phase runs (`one`: its one-off's
 * assignment, if placed): once the one-off has exited, its result is recorded
 * and it is removed; running past the release timeout (from its assignment),
 * it is removed and the release fails; unplaced past the rollout timeout, the
 * release fails.
 */
export function judgeReleasePhase(
  app: string,
  release: LatestRelease,
  one: Assignment | undefined,
  unplaced: string | undefined,
  s: Snapshot,
  timeouts: { rolloutTimeoutMs: number; releaseTimeoutMs: number },
  wokenAt?: number,
): PlanPart {
  const status = (st: Omit<ReleaseStatusRecord, 'app' | 'version' | 'at'>): ReleaseStatusRecord => ({
    app,
    version: release.version,
    ...st,
    at: s.at,
  });
  const done = one && exitedInstance(s, one);
  if (one && done) {
    const failed = done.state === 'failed';
    return {
      statuses: [
        status({ status: failed ? 'failed' : 'released', ...(failed && { reason: releasePhaseFailure(done) }) }),
      ],
      remove: [{ host: one.host, id: one.id }],
    };
  }
  if (one) {
    const deadline = rolloutStart([one], release, undefined, s.now) + timeouts.releaseTimeoutMs; // from its assignment
    if (s.now < deadline) return { recheckInMs: deadline - s.now };
    return {
      statuses: [status({ status: 'failed', reason: releaseTimeoutReason(timeouts.releaseTimeoutMs) })],
      remove: [{ host: one.host, id: one.id }],
    };
  }
  if (s.now - rolloutStart([], release, undefined, s.now, wokenAt) >= timeouts.rolloutTimeoutMs) {
    return {
      statuses: [status({ status: 'failed', reason: `release command could not be placed: ${unplaced ?? 'no host'}` })],
    };
  }
  return {};
}

/**
 * The step of an app whose latest release is still judged: it succeeds once
 * all is placed and its web containers are up (`webUp`); it fails when that
 * takes longer than the rollout timeout.
 */
export function judgeRollout(
  app: AppInput & { release: LatestRelease },
  desired: readonly Desired[],
  current: readonly Assignment[],
  unplaced: ReadonlyMap<string, string>,
  webUp: boolean,
  s: Snapshot,
  rolloutTimeoutMs: number,
): PlanPart {
  const release = app.release;
  const assigned = new Map(current.map((c) => [c.id, c]));
  if (webUp && desired.every((d) => assigned.has(d.id)))
    return { statuses: [{ app: app.name, version: release.version, status: 'succeeded', at: s.at }] };
  const deadline =
    rolloutStart(
      current.filter((c) => c.release === release.version),
      release,
      app.status,
      s.now,
      app.wokenAt,
    ) + rolloutTimeoutMs;
  if (s.now < deadline) return { recheckInMs: deadline - s.now };
  const items: RolloutItem[] = [];
  for (const d of desired) {
    const a = assigned.get(d.id);
    if (a ? d.type !== 'web' || upInstance(s, a) : false) continue;
    const inst = a && s.instanceOf.get(instanceKey(a));
    items.push({
      name: dynoName(d.type, d.index),
      ...(a && { assignment: a }),
      ...(inst && inst.host === a?.host && { instance: inst }),
      ...(!a && { unplaced: unplaced.get(d.id) ?? 'not placed' }),
    });
  }
  return {
    statuses: [{ app: app.name, version: release.version, status: 'failed', reason: rolloutFailure(items), at: s.at }],
  };
}
