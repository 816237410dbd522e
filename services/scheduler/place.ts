// Placement: which host runs one new container. A pure function over plain
// data, so it is tested and benchmarked without etcd or Docker.

/** What is being placed. Tags (a demanded pool) will join here. */
export interface PlacementRequest {
  app: string;
  type: string;
  memoryMb: number;
}

/** A host as placement sees it: its id and what it can hold. */
export interface HostRoom {
  id: string;
  memoryMb: number;
}

/** A container already on a host (or placed earlier in the same plan). */
export interface Placed {
  host: string;
  app: string;
  type: string;
  memoryMb: number;
}

export type Placement = { ok: true; host: string } | { ok: false; reason: string };

/** Free memory of each host: capacity minus what its containers may use. */
export function freeMemory(hosts: readonly HostRoom[], existing: readonly Placed[]): Map<string, number> {
  const free = new Map(hosts.map((h) => [h.id, h.memoryMb] as [string, number]));
  for (const p of existing) {
    const f = free.get(p.host);
    if (f !== undefined) free.set(p.host, f - p.memoryMb);
  }
  return free;
}

/**
 * Picks a host with room for the request. Among hosts with enough free
 * memory: fewest replicas of the same app and type first (spread), then the
 * most free memory, then the smallest id (deterministic).
 */
export function place(request: PlacementRequest, hosts: readonly HostRoom[], existing: readonly Placed[]): Placement {
  if (hosts.length === 0) return { ok: false, reason: 'no hosts are registered' };
  const free = freeMemory(hosts, existing);
  const siblings = new Map<string, number>();
  for (const p of existing) {
    if (p.app === request.app && p.type === request.type) siblings.set(p.host, (siblings.get(p.host) ?? 0) + 1);
  }
  const candidates = hosts
    .filter((h) => (free.get(h.id) ?? 0) >= request.memoryMb)
    .map((h) => ({ id: h.id, free: free.get(h.id) ?? 0, siblings: siblings.get(h.id) ?? 0 }))
    .sort((a, b) => a.siblings - b.siblings || b.free - a.free || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const best = candidates[0];
  if (!best) {
    const most = Math.max(...hosts.map((h) => free.get(h.id) ?? 0));
    return {
      ok: false,
      reason: `no host has ${request.memoryMb} MB free for ${request.app}.${request.type} (most free: ${most} MB on ${hosts.length} host(s))`,
    };
  }
  return { ok: true, host: best.id };
}
