import { RUN_TYPE, runDeadline, runIndex, type RunRequest } from '../core/runs.js';
import { sizeOrDefault } from '../core/sizes.js';
import type { Assignment, Instance } from '../core/types.js';
import { Placer } from './place.js';
import type { LatestRelease, Plan, PlanInput } from './plan.js';

// The planner's part for `paas run`: each request under /runs/<app>/ becomes
// one one-off assignment of the release it names (placed like any dyno), and
// the request and assignment go together once the dyno has exited, its TTL has
// passed or its host is lost. A one-off is never started twice: once its
// assignment is gone, so is its request. Pure, like plan.ts.

/** A run request with the release it runs (undefined: that release no longer exists). */
export interface RunInput {
  request: RunRequest;
  release?: LatestRelease;
}

/** A `paas run` dyno's assignment (the release phase's one-off has type `release`). */
export function isRunAssignment(a: Pick<Assignment, 'type' | 'oneOff'>): boolean {
  return a.oneOff === true && a.type === RUN_TYPE;
}

/** The instance of a one-off assignment (a run or the release phase) once it has exited on the host it is assigned to. */
export function exitedInstance(instanceOf: ReadonlyMap<string, Instance>, a: Pick<Assignment, 'app' | 'id' | 'host'>): Instance | undefined {
  const inst = instanceOf.get(`${a.app}/${a.id}`);
  return inst && inst.host === a.host && (inst.state === 'succeeded' || inst.state === 'failed') ? inst : undefined;
}

/** `<app>.run.1234.v<release>` */
export function runAssignmentId(r: Pick<RunRequest, 'app' | 'name' | 'release'>): string {
  return `${r.app}.${r.name}.v${r.release}`;
}

/** The one-off assignment of a run request, without host. */
export function runAssignment(r: RunRequest, release: LatestRelease, port: number, now: number): Omit<Assignment, 'host'> {
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
    port,
    memoryMb: size.memoryMb,
    cpuShares: size.cpuShares,
    diskMb: size.diskMb, egressMbit: size.egressMbit, ingressMbit: size.ingressMbit,
    createdAt: new Date(now).toISOString(),
    oneOff: true,
    ...(r.attach && { attach: { tty: r.tty } }),
  };
}

/**
 * Adds to `out` what the run requests need: assignments to put, run
 * assignments to remove, requests to delete (out.deleteRuns). `kept`: the
 * assignments on live hosts of existing apps (plan.ts removes the others);
 * `instanceOf`: the instances by `<app>/<id>`.
 */
export function planRuns(input: PlanInput, kept: readonly Assignment[], instanceOf: ReadonlyMap<string, Instance>, out: Plan, port: number): void {
  const runs = input.runs ?? [];
  const apps = new Map(input.apps.map((a) => [a.name, a]));
  const all = new Map(input.assignments.filter(isRunAssignment).map((a) => [a.id, a]));
  const keptRuns = new Map(kept.filter(isRunAssignment).map((a) => [a.id, a]));
  const wanted = new Set<string>();
  const deleteRuns: { app: string; name: string }[] = [];
  let placer: Placer | undefined;
  const end = (r: RunRequest, a?: Assignment) => {
    deleteRuns.push({ app: r.app, name: r.name });
    if (a) out.remove.push({ host: a.host, id: a.id });
  };
  for (const { request: r, release } of runs) {
    const id = runAssignmentId(r);
    const a = keptRuns.get(id);
    if (!apps.has(r.app) || (all.has(id) && !a)) {
      end(r); // the app is gone, or the host it ran on (plan.ts removes the assignment)
      continue;
    }
    const deadline = runDeadline(r);
    if (!(input.now < deadline)) {
      end(r, a);
      continue;
    }
    if (a) {
      if (exitedInstance(instanceOf, a)) {
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
      const d = { ...runAssignment(r, release, port, input.now), ...(uid && { uid }) };
      placer ??= new Placer(input.hosts, [...kept, ...out.put], input.policy);
      const pool = apps.get(r.app)?.pool;
      const p = placer.place({ ...d, ...(pool && { requiredTags: pool }) });
      if (!p.ok) out.unplaced.push({ id: d.id, reason: p.reason });
      else {
        out.put.push({ ...d, host: p.host });
        wanted.add(id);
      }
    }
    out.recheckInMs = Math.min(out.recheckInMs ?? Infinity, deadline - input.now);
  }
  // ps:stop deleted the request: its container goes.
  for (const a of keptRuns.values()) if (!wanted.has(a.id) && !out.remove.some((x) => x.id === a.id && x.host === a.host)) out.remove.push({ host: a.host, id: a.id });
  if (deleteRuns.length > 0) out.deleteRuns = [...(out.deleteRuns ?? []), ...deleteRuns];
}
