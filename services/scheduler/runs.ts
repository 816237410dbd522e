import { assignmentId } from '../core/ids.js';
import { RUN_TYPE, runDeadline, runIndex, type RunRequest } from '../core/runs.js';
import { limitsOf, sizeOrDefault } from '../core/sizes.js';
import type { Assignment } from '../core/types.js';
import {
  APP_PORT,
  exitedInstance,
  type Desired,
  type LatestRelease,
  type PlanInput,
  type PlanPart,
  type Snapshot,
} from './model.js';
import { Placer } from './place.js';

// The planner's part for `paas run`: each request under /runs/<app>/ becomes
// one one-off assignment of the release it names (placed like any dyno), and
// the request and assignment go together once the dyno has exited, its TTL has
// passed or its host is lost. A one-off is never started twice: once its
// assignment is gone, so is its request. Pure, like plan.ts.

/** A `paas run` dyno's assignment (the release phase's one-off has type `release`). */
export function isRunAssignment(a: Pick<Assignment, 'type' | 'oneOff'>): boolean {
  return a.oneOff === true && a.type === RUN_TYPE;
}

/** `<app>.run.1234.v<release>` */
export function runAssignmentId(r: Pick<RunRequest, 'app' | 'name' | 'release'>): string {
  return assignmentId(r.app, r.name, r.release);
}

/** The one-off assignment of a run request, without host. */
export function runAssignment(r: RunRequest, release: LatestRelease, now: number): Desired {
  const size = sizeOrDefault(r.size);
  return {
    id: runAssignmentId(r),
    app: r.app,
    release: r.release,
    type: RUN_TYPE,
    index: runIndex(r.name) ?? 0,
    image: release.image,
    command: r.command,
    env: { ...release.config, ...r.env },
    port: APP_PORT,
    ...limitsOf(size),
    createdAt: new Date(now).toISOString(),
    oneOff: true,
    ...(r.attach && { attach: { tty: r.tty } }),
  };
}

/**
 * What the run requests need: assignments to put, run assignments to remove,
 * requests to delete. `placed`: what the hosts hold once the rest of the plan
 * is applied (the kept assignments and the plan's puts), where new one-offs
 * are placed among.
 */
export function planRuns(
  input: Pick<PlanInput, 'runs' | 'apps' | 'assignments' | 'hosts' | 'policy'>,
  s: Snapshot,
  placed: readonly Assignment[],
): PlanPart {
  const apps = new Map(input.apps.map((a) => [a.name, a]));
  const all = new Map(input.assignments.filter(isRunAssignment).map((a) => [a.id, a]));
  const keptRuns = new Map(s.kept.filter(isRunAssignment).map((a) => [a.id, a]));
  const wanted = new Set<string>();
  const put: Assignment[] = [];
  const remove: { host: string; id: string }[] = [];
  const unplaced: { id: string; reason: string }[] = [];
  const deleteRuns: { app: string; name: string }[] = [];
  let recheckInMs: number | undefined;
  let placer: Placer | undefined;
  const end = (r: RunRequest, a?: Assignment) => {
    deleteRuns.push({ app: r.app, name: r.name });
    if (a) remove.push({ host: a.host, id: a.id });
  };
  for (const { request: r, release } of input.runs ?? []) {
    const id = runAssignmentId(r);
    const a = keptRuns.get(id);
    if (!apps.has(r.app) || (all.has(id) && !a)) {
      end(r); // the app is gone, or the host it ran on (plan.ts removes the assignment)
      continue;
    }
    const deadline = runDeadline(r);
    if (!(s.now < deadline)) {
      end(r, a);
      continue;
    }
    if (a) {
      if (exitedInstance(s, a)) {
        end(r, a);
        continue;
      }
      wanted.add(id);
    } else {
      if (!release?.image) {
        end(r);
        continue;
      }
      const uid = apps.get(r.app)?.uid;
      const d = { ...runAssignment(r, release, s.now), ...(uid && { uid }) };
      placer ??= new Placer(input.hosts, placed, input.policy);
      const pool = apps.get(r.app)?.pool;
      const p = placer.place({ ...d, ...(pool && { requiredTags: pool }) });
      if (!p.ok) unplaced.push({ id: d.id, reason: p.reason });
      else {
        put.push({ ...d, host: p.host });
        wanted.add(id);
      }
    }
    recheckInMs = Math.min(recheckInMs ?? Infinity, deadline - s.now);
  }
  // ps:stop deleted the request: its container goes.
  for (const a of keptRuns.values())
    if (!wanted.has(a.id) && !remove.some((x) => x.id === a.id && x.host === a.host))
      remove.push({ host: a.host, id: a.id });
  return { put, remove, unplaced, deleteRuns, ...(recheckInMs !== undefined && { recheckInMs }) };
}
