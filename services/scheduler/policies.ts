// Placement policies: named score functions, chosen by name (as Kubernetes'
// scheduler chooses its score plugins and Dokku its scheduler strategies).
// The Placer (place.ts) scores every host that can take a container (its tags
// match, it has room for the container's memory and CPU) and takes the lowest
// score, compared key by key; ties go to the smaller host id.
//
// - `balanced` (the default: config.ts): fewest replicas of the same app and process
//   type first (spread), then the lowest load, then the lower sum of memory
//   and CPU utilisation after placing, then the lower max of the two (so a
//   CPU-heavy container goes where CPU is free even if memory is not). The
//   load is the host's utilisation now, max(memory, CPU) as fractions of its
//   own capacity (Kubernetes' LeastAllocated, on the fuller resource), plus
//   the Placer's reserve penalty. Utilisation is measured before placing, not
//   after: after placing, a small container looks cheaper on a big host than
//   on a small one, so small containers went to big hosts, small hosts idled,
//   and the next big container found no host with room (the Deis v1 pile-up
//   in another form). The penalty keeps room for big containers (place.ts:
//   RESERVE_WEIGHT).
// - `least-containers`: Deis v1 fleet's rule, kept for comparison: the host
//   with the fewest containers of any app. Unlike fleet it checks tags and
//   room too, so a comparison of the two policies is only about the choice
//   among the hosts that can take the container.

/** What a policy sees of a host that can take the container. */
export interface HostLoad {
  /** Capacity (memory in MB, CPU in shares) and what is allocated of it. */
  memoryMb: number;
  cpuShares: number;
  memoryUsed: number;
  cpuUsed: number;
  /** Containers of any app on it. */
  containers: number;
  /** Containers of the same app and process type on it. */
  siblings: number;
  /** How much placing the container here costs the room kept for the largest expected (0: none kept). */
  reservePenalty: number;
}

/**
 * Scores a host for a container into `key` (lower is better, compared key by
 * key; keys it leaves alone stay 0). Written in place, not returned: it runs
 * for every host that can take every container.
 */
export type Score = (host: HostLoad, request: { memoryMb: number; cpuShares: number }, key: Float64Array) => void;

export interface Policy {
  score: Score;
  /** How many keys `score` writes (the rest are never compared). */
  keys: number;
  /** Whether the Placer works out the reserve penalty (it costs a pass over the hosts). */
  reserves: boolean;
}

/** Utilisation as a fraction of capacity; 0 of nothing. */
const fraction = (used: number, cap: number) => (cap > 0 ? used / cap : 0);

const balanced: Policy = {
  keys: 4,
  reserves: true,
  score: (h, r, key) => {
    const memNow = h.memoryUsed / h.memoryMb;
    const cpuNow = fraction(h.cpuUsed, h.cpuShares);
    const memAfter = (h.memoryUsed + r.memoryMb) / h.memoryMb;
    const cpuAfter = fraction(h.cpuUsed + r.cpuShares, h.cpuShares);
    const load = memNow > cpuNow ? memNow : cpuNow;
    key[0] = h.siblings;
    key[1] = h.reservePenalty === 0 ? load : load + h.reservePenalty;
    key[2] = memAfter + cpuAfter;
    key[3] = memAfter > cpuAfter ? memAfter : cpuAfter;
  },
};

const leastContainers: Policy = {
  keys: 1,
  reserves: false,
  score: (h, _r, key) => {
    key[0] = h.containers;
  },
};

export const POLICIES = ['balanced', 'least-containers'] as const;
export type PolicyName = (typeof POLICIES)[number];

const BY_NAME: Record<PolicyName, Policy> = { balanced, 'least-containers': leastContainers };

export function isPolicy(name: string): name is PolicyName {
  return (POLICIES as readonly string[]).includes(name);
}

/** The policy of a name; throws for an unknown one. */
export function policyNamed(name: PolicyName): Policy {
  if (!isPolicy(name))
    throw new Error(`unknown placement policy ${JSON.stringify(name)}; policies are ${POLICIES.join(', ')}`);
  return BY_NAME[name];
}

/** The number of keys a score has at most. */
export const SCORE_KEYS = 4;

/** Whether score `a` beats `b` (strictly lower at the first of `keys` keys where they differ). */
export function lowerScore(a: Float64Array, b: Float64Array, keys = a.length): boolean {
  for (let k = 0; k < keys; k++) {
    if (a[k]! < b[k]!) return true;
    if (a[k] !== b[k]) return false;
  }
  return false;
}
