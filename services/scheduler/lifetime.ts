import { lifetimeSeconds } from '../core/dynopolicy.js';
import type { Assignment } from '../core/types.js';
import { upInstance, type AppInput, type Desired, type Snapshot } from './model.js';

// Lifetime (the phoenix pattern): a dyno that has run for its lifetime is
// replaced blue-green by a new container of the same slot, `<id>.c<N+1>`; the
// old one is surplus that succession keeps until the new one is up, then the
// drain removes it. One dyno per process type at a time: none is cycled while
// any dyno of its type is not up or a replaced one is still there. A deploy,
// a config change or a restart makes new containers, which resets the clock
// (it counts from the container's start, so a wake resets it too). Pure.

const CYCLE = /^\.c(\d+)$/;

/** The cycle of `id` if it is `base` (0) or `base.c<N>` (N); undefined for another id. */
export function cycleOf(id: string, base: string): number | undefined {
  if (id === base) return 0;
  if (!id.startsWith(base)) return undefined;
  const m = CYCLE.exec(id.slice(base.length));
  return m ? Number(m[1]) : undefined;
}

/** `base` at cycle n. */
export function cycledId(base: string, n: number): string {
  return n === 0 ? base : `${base}.c${n}`;
}

const fits = (a: Pick<Assignment, 'memoryMb' | 'cpuShares'>, d: Pick<Desired, 'memoryMb' | 'cpuShares'>) =>
  a.memoryMb === d.memoryMb && a.cpuShares === d.cpuShares;

export interface Cycled {
  desired: Desired[];
  /** When the next dyno reaches its lifetime (ms from now). */
  recheckInMs?: number;
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
  const bases = new Map<string, string>(); // desired id -> its base
  const held = desired.map((d) => {
    if (d.oneOff) return d;
    let best: { n: number; a: Assignment } | undefined;
    let maxN = -1;
    for (const a of mine) {
      const n = cycleOf(a.id, d.id);
      if (n === undefined) continue;
      maxN = Math.max(maxN, n);
      if (fits(a, d) && (!best || n > best.n)) best = { n, a };
    }
    // A slot whose containers all have other limits (a resize) gets the next cycle's id, as a new container.
    const id = best ? best.a.id : maxN >= 0 ? cycledId(d.id, maxN + 1) : d.id;
    bases.set(id, d.id);
    return id === d.id ? d : { ...d, id };
  });
  const ids = new Set(held.map((d) => d.id));
  const byId = new Map(mine.map((a) => [a.id, a]));
  let recheckInMs: number | undefined;
  const out = [...held];
  for (const type of new Set(held.filter((d) => !d.oneOff && !d.parked).map((d) => d.type))) {
    const ofType = held.map((d, i) => ({ d, i })).filter(({ d }) => d.type === type && !d.oneOff);
    const replacing = mine.some((a) => a.type === type && !a.oneOff && !ids.has(a.id));
    const started = ofType.map(({ d, i }) => {
      const a = byId.get(d.id);
      const inst = a && !a.parked ? upInstance(s, a) : undefined;
      return { d, i, startedAt: inst?.startedAt ? Date.parse(inst.startedAt) : undefined };
    });
    if (replacing || started.some((x) => x.startedAt === undefined || Number.isNaN(x.startedAt))) continue;
    let oldest: { i: number; over: number } | undefined;
    for (const x of started) {
      const base = bases.get(x.d.id) ?? x.d.id;
      const lifeS = lifetimeSeconds(app, base);
      if (lifeS <= 0) continue;
      const endsAt = (x.startedAt as number) + lifeS * 1000;
      if (endsAt <= s.now) {
        if (!oldest || s.now - endsAt > oldest.over) oldest = { i: x.i, over: s.now - endsAt };
      } else recheckInMs = Math.min(recheckInMs ?? Infinity, endsAt - s.now);
    }
    if (oldest) {
      const d = out[oldest.i] as Desired;
      const base = bases.get(d.id) ?? d.id;
      const n = cycleOf(d.id, base) ?? 0;
      out[oldest.i] = { ...d, id: cycledId(base, n + 1), cause: 'lifetime', createdAt: s.at };
    }
  }
  return { desired: out, ...(recheckInMs !== undefined && { recheckInMs }) };
}
