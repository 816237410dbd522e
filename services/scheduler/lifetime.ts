import { lifetimeSeconds, sleepsWithApp } from '../core/dynopolicy.js';
import { SIZES } from '../core/sizes.js';
import type { Assignment } from '../core/types.js';
import { upInstance, type AppInput, type Desired, type Snapshot } from './model.js';
import { idleAtLifetime, type SleepState } from './sleep.js';

// Lifetime (the phoenix pattern): a dyno that has run for its lifetime is
// replaced blue-green by a new container of the same slot, `<root>.c<N+1>`
// (desired.ts keeps a slot's highest cycle as its id, before any size
// suffix: `<root>.c<N>[.<size>]`); the
// old one is surplus that succession keeps until the new one is up, then the
// drain removes it. One dyno per process type at a time: none is cycled while
// any dyno of its type is not up or a replaced one is still there. A deploy,
// a config change or a restart makes new containers, which resets the clock
// (it counts from the container's start, so a wake resets it too; a thawed
// container keeps its start, so for a type that sleeps with the app the
// clock counts from the app's last wake when that is later: clockStart). An app
// that can sleep and is idle is put to sleep at a dyno's lifetime instead
// (dropAtLifetime). Pure.

const CYCLE = /^(.*)\.c(\d+)$/;

/**
 * When a dyno's lifetime clock started: its container's start, or the app's last wake when later and the dyno's type
 * sleeps with the app (a frozen dyno is thawed with its old start: without this, setting a lifetime shorter than its
 * age while it slept would cycle it right after its wake). NaN when the start is unknown.
 */
export function clockStart(app: AppInput, type: string, startedAt: string | undefined): number {
  const started = Date.parse(startedAt ?? '');
  if (!Number.isFinite(started)) return NaN;
  const woken = app.wokenAt;
  return woken !== undefined && woken > started && sleepsWithApp(app, type) ? woken : started;
}

/** An id's slot root (`<app>.<type>.<i>.v<N>[.g<G>]`) and cycle, its size suffix (sizedId) left out. */
export function slotOf(id: string): { root: string; cycle: number } {
  const size = SIZES.find((x) => id.endsWith(`.${x.name}`));
  const unsized = size ? id.slice(0, -size.name.length - 1) : id;
  const m = CYCLE.exec(unsized);
  return m ? { root: m[1]!, cycle: Number(m[2]) } : { root: unsized, cycle: 0 };
}

/** `root` at cycle n. */
export function cycledId(root: string, n: number): string {
  return n === 0 ? root : `${root}.c${n}`;
}

/** The id a slot holds now: `root` at the highest cycle a kept assignment of it has (any size). */
export function currentCycle(root: string, kept: Iterable<string>): string {
  let n = 0;
  for (const id of kept) {
    const slot = slotOf(id);
    if (slot.root === root) n = Math.max(n, slot.cycle);
  }
  return cycledId(root, n);
}

export interface Cycled {
  desired: Desired[];
  /** When the next dyno reaches its lifetime (ms from now). */
  recheckInMs?: number;
}

/** Per process type that may be cycled now: the index in `desired` of its dyno most past its lifetime, if any. */
function outlived(
  app: AppInput,
  desired: readonly Desired[],
  mine: readonly Assignment[],
  s: Snapshot,
): { due: number[]; recheckInMs?: number } {
  const ids = new Set(desired.map((d) => d.id));
  const byId = new Map(mine.map((a) => [a.id, a]));
  let recheckInMs: number | undefined;
  const due: number[] = [];
  for (const type of new Set(desired.filter((d) => !d.oneOff && !d.parked).map((d) => d.type))) {
    const ofType = desired.map((d, i) => ({ d, i })).filter(({ d }) => d.type === type && !d.oneOff);
    const replacing = mine.some((a) => a.type === type && !a.oneOff && !ids.has(a.id));
    const started = ofType.map(({ d, i }) => {
      const a = byId.get(d.id);
      const inst = a && !a.parked ? upInstance(s, a) : undefined;
      return { d, i, startedAt: inst?.startedAt ? clockStart(app, d.type, inst.startedAt) : undefined };
    });
    if (replacing || started.some((x) => x.startedAt === undefined || Number.isNaN(x.startedAt))) continue;
    let oldest: { i: number; over: number } | undefined;
    for (const x of started) {
      const lifeS = lifetimeSeconds(app, slotOf(x.d.id).root);
      if (lifeS <= 0) continue;
      const endsAt = (x.startedAt as number) + lifeS * 1000;
      if (endsAt <= s.now) {
        if (!oldest || s.now - endsAt > oldest.over) oldest = { i: x.i, over: s.now - endsAt };
      } else recheckInMs = Math.min(recheckInMs ?? Infinity, endsAt - s.now);
    }
    if (oldest) due.push(oldest.i);
  }
  return { due, ...(recheckInMs !== undefined && { recheckInMs }) };
}

/**
 * The desired containers with the ids their slots hold now (a slot cycled before keeps its `.c<N>`), and the one dyno
 * per type that has outlived its lifetime given the id of its successor.
 */
export function cycleDynos(
  app: AppInput,
  desired: readonly Desired[],
  mine: readonly Assignment[],
  s: Snapshot,
): Cycled {
  const { due, recheckInMs } = outlived(app, desired, mine, s);
  const out = [...desired];
  for (const i of due) {
    const d = out[i] as Desired;
    const slot = slotOf(d.id);
    out[i] = { ...d, id: cycledId(slot.root, slot.cycle + 1), cause: 'lifetime', createdAt: s.at };
  }
  return { desired: out, ...(recheckInMs !== undefined && { recheckInMs }) };
}

/**
 * Whether a dyno has run its lifetime (since its up instance's start) at `s.now`: parked, it is stopped rather than
 * frozen (Assignment.cold), so that the wake of an app dropped at its lifetime (dropAtLifetime) starts a new process
 * and the clock starts again, instead of thawing the old one only to cycle it.
 */
export function pastLifetime(app: AppInput, s: Snapshot): (a: Assignment) => boolean {
  return (a) => {
    const startedAt = clockStart(app, a.type, upInstance(s, a)?.startedAt);
    const lifeS = lifetimeSeconds(app, slotOf(a.id).root);
    return lifeS > 0 && Number.isFinite(startedAt) && startedAt + lifeS * 1000 <= s.now;
  };
}

/**
 * An app that can sleep is dropped at its lifetime when idle: if a dyno of a type that sleeps with the app has
 * reached its lifetime (and could be cycled now) while the app has been idle for LIFETIME_IDLE_MS (sleep.ts
 * idleAtLifetime), the app falls asleep now instead of getting a successor. Its dynos are parked through the sleep
 * path (the route says sleeping, the web containers are parked after the drain delay, `paas logs` says "Sleeping");
 * the next request wakes them, and the container's new start resets the clock. Otherwise the sleep state as it was.
 */
export function dropAtLifetime(
  app: AppInput,
  sleep: SleepState,
  desired: readonly Desired[],
  mine: readonly Assignment[],
  s: Snapshot,
): SleepState {
  if (sleep.asleep || !idleAtLifetime(app, s.now)) return sleep;
  const { due } = outlived(app, desired, mine, s);
  const sleeps = due.some((i) => sleepsWithApp(app, (desired[i] as Desired).type));
  return sleeps ? { asleep: true, since: s.now } : sleep;
}
