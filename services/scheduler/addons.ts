import { addonAssignment, type AddonAssignment, type AddonDesired } from '../core/addons.js';
import type { Assignment } from '../core/types.js';
import { Placer, type HostRoom, type Placed, type PolicyName } from './place.js';

// The add-ons' step of the plan (pure): each add-on (core/addons.ts) gets one
// container, placed once with its plan's memory and CPU on a host of its
// owner app's pool, and kept on that host from then on, even while the host
// is down: its data is on that host's volume, so moving it would start it
// empty. Its assignment is written again only when what it carries changes
// (the attached apps, the plan); an add-on destroyed loses its assignment.

export interface AddonsInput {
  addons: readonly AddonDesired[];
  /** Every add-on assignment stored, on any host (live or not). */
  assignments: readonly AddonAssignment[];
  hosts: readonly HostRoom[];
  /** The apps' containers that hold room (the planner's kept, not parked). */
  appRoom: readonly Assignment[];
  /** Each app's pool tags (App.pool), for its add-ons' placement. */
  poolOf: ReadonlyMap<string, Readonly<Record<string, string>>>;
  policy: PolicyName;
  /** ISO time of the plan, for new assignments' createdAt. */
  at: string;
}

export interface AddonsPlan {
  put: AddonAssignment[];
  remove: { host: string; name: string }[];
  /** Add-ons no host can take now, and why (they are planned again at the next pass). */
  unplaced: { name: string; reason: string }[];
}

/** An add-on's container as placement counts it. */
export function addonPlaced(a: Pick<AddonAssignment, 'host' | 'name' | 'memoryMb' | 'cpuShares'>): Placed {
  return { host: a.host, app: `addon:${a.name}`, type: 'addon', memoryMb: a.memoryMb, cpuShares: a.cpuShares };
}

/** Whether the stored assignment already says what the desired one would (not its host or time). */
function sameAssignment(have: AddonAssignment, want: AddonAssignment): boolean {
  return (
    have.memoryMb === want.memoryMb &&
    have.cpuShares === want.cpuShares &&
    have.password === want.password &&
    have.kind === want.kind &&
    have.app === want.app &&
    have.apps.join(',') === want.apps.join(',')
  );
}

export function planAddons(input: AddonsInput): AddonsPlan {
  const out: AddonsPlan = { put: [], remove: [], unplaced: [] };
  const wanted = new Map(input.addons.map((d) => [d.record.name, d]));
  const keptOf = new Map<string, AddonAssignment>();
  for (const a of [...input.assignments].sort((x, y) => (x.host < y.host ? -1 : x.host > y.host ? 1 : 0))) {
    const d = wanted.get(a.name);
    if (!d || d.record.id !== a.addonId || keptOf.has(a.name)) out.remove.push({ host: a.host, name: a.name });
    else keptOf.set(a.name, a);
  }
  const placer = new Placer(input.hosts, [...input.appRoom, ...[...keptOf.values()].map(addonPlaced)], input.policy);
  const fresh: AddonDesired[] = [];
  for (const d of [...input.addons].sort((x, y) => (x.record.name < y.record.name ? -1 : 1))) {
    const kept = keptOf.get(d.record.name);
    if (!kept) {
      fresh.push(d);
      continue;
    }
    const want = addonAssignment(d, kept.host, kept.createdAt);
    if (!sameAssignment(kept, want)) out.put.push(want);
  }
  const requests = fresh.map((d) => {
    const want = addonAssignment(d, '', input.at);
    const pool = input.poolOf.get(d.record.app);
    return {
      app: `addon:${d.record.name}`,
      type: 'addon',
      memoryMb: want.memoryMb,
      cpuShares: want.cpuShares,
      ...(pool && Object.keys(pool).length > 0 && { requiredTags: pool }),
    };
  });
  const answers = placer.placeAll(requests);
  fresh.forEach((d, i) => {
    const p = answers[i]!;
    if (p.ok) out.put.push(addonAssignment(d, p.host, input.at));
    else out.unplaced.push({ name: d.record.name, reason: p.reason });
  });
  return out;
}
