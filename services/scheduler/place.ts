import { compareStrings } from '../core/compare.js';
import { matchesTags } from '../core/hosts.js';
import { lowerScore, policyNamed, SCORE_KEYS, type HostLoad, type Policy, type PolicyName } from './policies.js';
import { formatTags, noRoomReason, SHARES_PER_CPU } from './reasons.js';

// Placement: which host runs each new container. Pure and deterministic over
// plain data (no clock, no randomness, no I/O), so it is tested and
// benchmarked without etcd or Docker.
//
// A host can take a container when its (effective) tags include the
// container's required tags and it has room for both the container's memory
// and its CPU shares (1024 shares = one CPU; allocated = the sum of the
// requests of the containers placed on it). Among those hosts a policy,
// chosen by name (policies.ts), scores each; the lowest score wins, then the
// smaller host id.
//
// The reserve penalty (for policies that keep room, as `balanced` does): a
// "slot" is room on a host for the largest container expected (the largest
// running or placed one at a time, and in a batch the largest still to come),
// and a host where this container would use up a slot is penalised
// RESERVE_WEIGHT / (slots left on the matching hosts). While slots are
// plentiful that is a nudge; as they run out, small containers go where they
// break no slot (small hosts, or the leftover of a host already in use: best
// fit for the small ones), so big ones fit.

export { isPolicy, POLICIES, type PolicyName } from './policies.js';
export { formatTags, SHARES_PER_CPU } from './reasons.js';

/**
 * How much a lost slot for the largest container weighs against utilisation
 * (the reserve penalty): with S slots left, losing one costs 30 / S, as much as
 * 30 / S of a host's capacity. Measured with bench/placement.ts over seeds:
 * 20 to 50 do about as well; without the penalty, the same workload placed
 * one container at a time leaves big containers unplaced.
 */
export const RESERVE_WEIGHT = 30;

/** What is being placed. */
export interface PlacementRequest {
  app: string;
  type: string;
  memoryMb: number;
  cpuShares: number;
  /** Tags the host must have (the app's pool); absent or empty: any host. */
  requiredTags?: Readonly<Record<string, string>>;
  /** The host to take when it matches and has room (a parked container's: it is created there); else as any other. */
  preferHost?: string;
}

/** A host as placement sees it: its effective tags and what it can hold. */
export interface HostRoom {
  id: string;
  memoryMb: number;
  /** CPU capacity in CPUs (shares: cpus * 1024). */
  cpus: number;
  tags?: Readonly<Record<string, string>>;
}

/** A container already on a host (or placed earlier in the same plan). */
export interface Placed {
  host: string;
  app: string;
  type: string;
  memoryMb: number;
  cpuShares: number;
}

export type Placement = { ok: true; host: string } | { ok: false; reason: string };

/**
 * Places containers one after the other, each seeing the ones before: keeps
 * per-host running totals (memory, CPU, containers, replicas per app and
 * type), so a placement costs one pass over the matching hosts, never a
 * rescan of what is already placed.
 */
export class Placer {
  private readonly ids: string[];
  private readonly tags: Readonly<Record<string, string>>[];
  private readonly memCap: Float64Array;
  private readonly cpuCap: Float64Array;
  private readonly memUsed: Float64Array;
  private readonly cpuUsed: Float64Array;
  private readonly count: Int32Array;
  private readonly index = new Map<string, number>();
  private readonly siblings = new Map<string, Int32Array>();
  private readonly matching = new Map<string, number[]>();
  /** The largest memory and CPU of a container running or placed one at a time: what may come again. */
  private seenMem = 0;
  private seenCpu = 0;
  /** During placeAll: the largest memory and CPU of the batch's containers still to be placed. */
  private batch: { mem: number; cpu: number } | undefined;

  private readonly scorer: Policy;
  /** The scores choose() compares, kept between calls (it runs for every container). */
  private score = new Float64Array(SCORE_KEYS);
  private bestScore = new Float64Array(SCORE_KEYS);

  constructor(
    hosts: readonly HostRoom[],
    existing: readonly Placed[],
    readonly policy: PolicyName,
  ) {
    this.scorer = policyNamed(policy);
    // Sorted by id, and ties are broken by the first in this order, so the
    // order the hosts come in does not matter.
    const sorted = [...hosts].sort((a, b) => compareStrings(a.id, b.id));
    const n = sorted.length;
    this.ids = sorted.map((h) => h.id);
    this.tags = sorted.map((h) => h.tags ?? {});
    this.memCap = Float64Array.from(sorted, (h) => h.memoryMb);
    this.cpuCap = Float64Array.from(sorted, (h) => h.cpus * SHARES_PER_CPU);
    this.memUsed = new Float64Array(n);
    this.cpuUsed = new Float64Array(n);
    this.count = new Int32Array(n);
    sorted.forEach((h, i) => this.index.set(h.id, i));
    for (const p of existing) {
      const i = this.index.get(p.host);
      if (i !== undefined) this.add(i, p);
    }
  }

  /** Picks a host for the request and counts the container on it. */
  place(request: PlacementRequest): Placement {
    const p = this.choose(request);
    if (p.ok) this.add(this.index.get(p.host) as number, request);
    return p;
  }

  /**
   * Places a batch, largest first (by the sum of its memory and CPU as
   * fractions of an average host's; ties in the given order), so big
   * containers find room before small ones have fragmented the hosts.
   * Answers come back in the order of the requests.
   */
  placeAll(requests: readonly PlacementRequest[]): Placement[] {
    const n = this.ids.length || 1;
    const avgMem = this.memCap.reduce((s, x) => s + x, 0) / n || 1;
    const avgCpu = this.cpuCap.reduce((s, x) => s + x, 0) / n || 1;
    const weight = requests.map((r) => r.memoryMb / avgMem + r.cpuShares / avgCpu);
    const order = requests.map((_, i) => i).sort((a, b) => weight[b]! - weight[a]! || a - b);
    // The largest still to come after each position: a batch keeps room for
    // those, not for the big ones it has already placed.
    const aheadMem = new Float64Array(order.length + 1);
    const aheadCpu = new Float64Array(order.length + 1);
    for (let k = order.length - 1; k >= 0; k--) {
      const r = requests[order[k]!]!;
      aheadMem[k] = Math.max(aheadMem[k + 1]!, r.memoryMb);
      aheadCpu[k] = Math.max(aheadCpu[k + 1]!, r.cpuShares);
    }
    const out: Placement[] = new Array<Placement>(requests.length);
    try {
      order.forEach((i, k) => {
        this.batch = { mem: aheadMem[k + 1]!, cpu: aheadCpu[k + 1]! };
        out[i] = this.place(requests[i]!);
      });
    } finally {
      this.batch = undefined;
    }
    // Later placements keep room for containers like these.
    this.seenMem = Math.max(this.seenMem, aheadMem[0]!);
    this.seenCpu = Math.max(this.seenCpu, aheadCpu[0]!);
    return out;
  }

  /** Picks a host for the request without counting it. */
  choose(request: PlacementRequest): Placement {
    if (this.ids.length === 0) return { ok: false, reason: 'no hosts are registered' };
    const candidates = this.matchingHosts(request.requiredTags);
    if (candidates.length === 0)
      return { ok: false, reason: `no host has tags ${formatTags(request.requiredTags ?? {})}` };
    const mem = request.memoryMb;
    const cpu = request.cpuShares;
    const preferred = request.preferHost === undefined ? undefined : this.index.get(request.preferHost);
    if (
      preferred !== undefined &&
      candidates.includes(preferred) &&
      this.memUsed[preferred]! + mem <= this.memCap[preferred]! &&
      this.cpuUsed[preferred]! + cpu <= this.cpuCap[preferred]!
    )
      return { ok: true, host: this.ids[preferred]! };
    const sib = this.siblings.get(siblingKey(request));
    // The container to keep room for; none when this one is at least as big.
    const bigMem = Math.max(this.seenMem, this.batch?.mem ?? 0);
    const bigCpu = Math.max(this.seenCpu, this.batch?.cpu ?? 0);
    const reserve = this.scorer.reserves && (bigMem > 0 || bigCpu > 0) && (mem < bigMem || cpu < bigCpu);
    // How many of the largest fit in a host's free room (less `m`, `c`).
    const slots = (i: number, m: number, c: number) =>
      Math.max(
        0,
        Math.min(
          bigMem > 0 ? Math.floor((this.memCap[i]! - this.memUsed[i]! - m) / bigMem) : Infinity,
          bigCpu > 0 ? Math.floor((this.cpuCap[i]! - this.cpuUsed[i]! - c) / bigCpu) : Infinity,
        ),
      );
    let slotsLeft = 0;
    if (reserve) for (const i of candidates) slotsLeft += slots(i, 0, 0);
    const lostWeight = RESERVE_WEIGHT / Math.max(1, slotsLeft);
    const host: HostLoad = {
      memoryMb: 0,
      cpuShares: 0,
      memoryUsed: 0,
      cpuUsed: 0,
      containers: 0,
      siblings: 0,
      reservePenalty: 0,
    };
    let best = -1;
    let score = this.score;
    let bestScore = this.bestScore;
    const keys = this.scorer.keys;
    for (const i of candidates) {
      if (this.memUsed[i]! + mem > this.memCap[i]! || this.cpuUsed[i]! + cpu > this.cpuCap[i]!) continue;
      host.memoryMb = this.memCap[i]!;
      host.cpuShares = this.cpuCap[i]!;
      host.memoryUsed = this.memUsed[i]!;
      host.cpuUsed = this.cpuUsed[i]!;
      host.containers = this.count[i]!;
      host.siblings = sib ? sib[i]! : 0;
      host.reservePenalty = reserve ? lostWeight * (slots(i, 0, 0) - slots(i, mem, cpu)) : 0;
      this.scorer.score(host, request, score);
      // Candidates are in id order: a later host wins only when strictly better.
      if (best < 0 || lowerScore(score, bestScore, keys)) {
        best = i;
        const won = score;
        score = bestScore;
        bestScore = won;
      }
    }
    if (best >= 0) return { ok: true, host: this.ids[best]! };
    return { ok: false, reason: this.noRoom(request, candidates) };
  }

  /**
   * Counts a container already on its host with new limits instead of its old
   * ones (a resize in place), when the host still has the required tags and
   * room for the difference; a change that asks for no more of either always
   * fits. Whether it did.
   */
  resize(placed: Placed, to: Pick<PlacementRequest, 'memoryMb' | 'cpuShares' | 'requiredTags'>): boolean {
    const i = this.index.get(placed.host);
    if (i === undefined || !matchesTags(this.tags[i]!, to.requiredTags)) return false;
    const mem = to.memoryMb - placed.memoryMb;
    const cpu = to.cpuShares - placed.cpuShares;
    if (mem > 0 && this.memUsed[i]! + mem > this.memCap[i]!) return false;
    if (cpu > 0 && this.cpuUsed[i]! + cpu > this.cpuCap[i]!) return false;
    this.memUsed[i]! += mem;
    this.cpuUsed[i]! += cpu;
    this.seenMem = Math.max(this.seenMem, to.memoryMb);
    this.seenCpu = Math.max(this.seenCpu, to.cpuShares);
    return true;
  }

  /** Allocated memory (MB) and CPU shares, and the number of containers, on a host. */
  allocated(host: string): { memoryMb: number; cpuShares: number; containers: number } | undefined {
    const i = this.index.get(host);
    if (i === undefined) return undefined;
    return { memoryMb: this.memUsed[i]!, cpuShares: this.cpuUsed[i]!, containers: this.count[i]! };
  }

  private add(i: number, p: { app: string; type: string; memoryMb: number; cpuShares: number }): void {
    this.memUsed[i]! += p.memoryMb;
    this.cpuUsed[i]! += p.cpuShares;
    this.count[i]! += 1;
    if (!this.batch) {
      this.seenMem = Math.max(this.seenMem, p.memoryMb);
      this.seenCpu = Math.max(this.seenCpu, p.cpuShares);
    }
    const key = siblingKey(p);
    let sib = this.siblings.get(key);
    if (!sib) this.siblings.set(key, (sib = new Int32Array(this.ids.length)));
    sib[i]! += 1;
  }

  /** Indices (in id order) of the hosts with the required tags; computed once per tag set. */
  private matchingHosts(required: Readonly<Record<string, string>> | undefined): number[] {
    const key = formatTags(required ?? {});
    let out = this.matching.get(key);
    if (!out) {
      out = [];
      for (let i = 0; i < this.ids.length; i++) if (matchesTags(this.tags[i]!, required)) out.push(i);
      this.matching.set(key, out);
    }
    return out;
  }

  /** Why none of the matching hosts can take the request, in a person's words. */
  private noRoom(request: PlacementRequest, candidates: readonly number[]): string {
    const room = { hosts: candidates.length, memCap: 0, cpuCap: 0, memFree: -Infinity, cpuFree: -Infinity };
    for (const i of candidates) {
      room.memCap = Math.max(room.memCap, this.memCap[i]!);
      room.cpuCap = Math.max(room.cpuCap, this.cpuCap[i]!);
      room.memFree = Math.max(room.memFree, this.memCap[i]! - this.memUsed[i]!);
      room.cpuFree = Math.max(room.cpuFree, this.cpuCap[i]! - this.cpuUsed[i]!);
    }
    return noRoomReason(request, room);
  }
}

function siblingKey(p: { app: string; type: string }): string {
  return `${p.app}\u0000${p.type}`;
}

/** Places one container among hosts that already hold `existing`. */
export function place(
  request: PlacementRequest,
  hosts: readonly HostRoom[],
  existing: readonly Placed[],
  policy: PolicyName,
): Placement {
  return new Placer(hosts, existing, policy).choose(request);
}

/**
 * Places a batch (largest first, each seeing the ones placed before it: Placer.placeAll); one answer per request, in
 * their order.
 */
export function placeAll(
  requests: readonly PlacementRequest[],
  hosts: readonly HostRoom[],
  existing: readonly Placed[],
  policy: PolicyName,
): Placement[] {
  return new Placer(hosts, existing, policy).placeAll(requests);
}
