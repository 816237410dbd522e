import { invalid, notFound } from '../../core/errors.js';
import { effectiveTags, placementCapacity } from '../../core/hosts.js';
import type { Store } from '../../core/store.js';
import { MAX_TAGS, parseTagChanges, parseTagSet } from '../../core/tags.js';
import type { Assignment, Host, HostTagOverride, PlacementSettings } from '../../core/types.js';
import type { HostView } from '../../core/api.js';
import { by } from '../../core/compare.js';

// Hosts as admins see them (GET /hosts, GET /hosts/:host), their tag
// overrides (PATCH|DELETE /hosts/:host/tags -> /host-tags/<host>), and an
// app's pool (PATCH /apps/:app {pool}: the tags its containers require).
//
// A host is live while its agent's leased record /hosts/<host> exists. An
// override outlives the agent: its tags apply again when the agent returns.
// A host known only by its override is shown with state "down".

type Allocated = HostView['allocated'];
const NONE: Allocated = { memory_mb: 0, cpu_shares: 0, containers: 0 };

/** The sum of the assignments' requests; pure. */
export function allocatedOf(assignments: readonly Pick<Assignment, 'memoryMb' | 'cpuShares'>[]): Allocated {
  return assignments.reduce(
    (s, a) => ({
      memory_mb: s.memory_mb + (a.memoryMb || 0),
      cpu_shares: s.cpu_shares + (a.cpuShares || 0),
      containers: s.containers + 1,
    }),
    NONE,
  );
}

/** Memory and CPUs as the API spells them. */
const roomView = (r: { memoryMb: number; cpus: number }) => ({ memory_mb: r.memoryMb, cpus: r.cpus });

/** One host's view; `host` absent: known only by its override (down). Pure. */
export function hostView(
  id: string,
  host: Host | undefined,
  override: HostTagOverride | undefined,
  allocated: Allocated = NONE,
  placement?: PlacementSettings,
): HostView {
  const agentTags = host?.tags ?? {};
  return {
    id,
    address: host?.address ?? null,
    tags: effectiveTags({ tags: agentTags }, override),
    agent_tags: { ...agentTags },
    tag_overrides: { ...(override?.tags ?? {}) },
    capacity: host ? roomView(host.capacity) : null,
    placement_capacity: host && placement ? roomView(placementCapacity(host.capacity, placement)) : null,
    allocated,
    used: host?.used ? roomView(host.used) : null,
    registered_at: host?.registeredAt ?? null,
    state: host ? 'up' : 'down',
  };
}

/** The last path segment after `prefix` (the host id of /host-tags/<id>, /assignments/<id>/...). */
function segmentAfter(prefix: string, key: string): string {
  return key.slice(prefix.length).split('/')[0] ?? '';
}

async function allocations(store: Store): Promise<Map<string, Assignment[]>> {
  const prefix = store.keys.assignments();
  const { entries } = await store.snapshot<Assignment>(prefix);
  const out = new Map<string, Assignment[]>();
  for (const [key, a] of entries) {
    const host = segmentAfter(prefix, key);
    out.set(host, [...(out.get(host) ?? []), a]);
  }
  return out;
}

/** GET /hosts: the live hosts, sorted by id. */
export async function listHosts(store: Store): Promise<HostView[]> {
  const [hosts, overrides, assigned, placement] = await Promise.all([
    store.list<Host>(store.keys.hosts()),
    store.snapshot<HostTagOverride>(store.keys.allHostTags()),
    allocations(store),
    store.get<PlacementSettings>(store.keys.placement()),
  ]);
  const byId = new Map<string, HostTagOverride>();
  for (const [key, o] of overrides.entries) byId.set(segmentAfter(store.keys.allHostTags(), key), o);
  return hosts
    .sort(by((h) => h.id))
    .map((h) => hostView(h.id, h, byId.get(h.id), allocatedOf(assigned.get(h.id) ?? []), placement));
}

/** GET /hosts/:host: a live host, or one known by its override (down); else 404. */
export async function getHost(store: Store, id: string): Promise<HostView> {
  const [host, override, assigned, placement] = await Promise.all([
    store.get<Host>(store.keys.host(id)),
    store.get<HostTagOverride>(store.keys.hostTags(id)),
    store.list<Assignment>(store.keys.assignments(id)),
    store.get<PlacementSettings>(store.keys.placement()),
  ]);
  if (!host && !override) throw notFound(`Couldn't find that host.`);
  return hostView(id, host, override, allocatedOf(assigned), placement);
}

/** The override after a change: each key set to its value or to null (removed, even when the agent sets it); pure. */
export function mergeOverride(
  current: Readonly<Record<string, string | null>>,
  change: Readonly<Record<string, string | null>>,
): Record<string, string | null> {
  const out = { ...current, ...change };
  if (Object.keys(out).length > MAX_TAGS)
    throw invalid(`Too many tag overrides on this host (${Object.keys(out).length}); the limit is ${MAX_TAGS}`);
  return out;
}

/**
 * PATCH /hosts/:host/tags: merges the change into /host-tags/<host> in one
 * compare-and-swap (create when absent), retried on a lost race. 404 when the
 * host is neither live nor has an override.
 */
export async function changeHostTags(
  store: Store,
  id: string,
  change: Record<string, string | null>,
  now = () => new Date(),
): Promise<HostView> {
  const key = store.keys.hostTags(id);
  await store.transact(
    async (tx) => {
      const [cur, host] = await Promise.all([tx.read<HostTagOverride>(key), store.get<Host>(store.keys.host(id))]);
      if (!cur && !host) throw notFound(`Couldn't find that host.`);
      tx.put<HostTagOverride>(key, { tags: mergeOverride(cur?.tags ?? {}, change), updatedAt: now().toISOString() });
    },
    { conflict: `Too many concurrent changes to the tags of ${id}; try again` },
  );
  return getHost(store, id);
}

/** DELETE /hosts/:host/tags: drops every override, back to the agent's own tags. 404 as for PATCH. */
export async function resetHostTags(store: Store, id: string): Promise<HostView> {
  const [override, host] = await Promise.all([
    store.get<HostTagOverride>(store.keys.hostTags(id)),
    store.get<Host>(store.keys.host(id)),
  ]);
  if (!override && !host) throw notFound(`Couldn't find that host.`);
  await store.delete(store.keys.hostTags(id));
  return host ? getHost(store, id) : hostView(id, undefined, undefined);
}

/** PATCH /hosts/:host/tags's body: {tags: {key: "value" | null}}; pure. */
export function parseHostTagsPatch(body: Record<string, unknown>): Record<string, string | null> {
  if (body.tags === undefined) throw invalid('Give the tags to change as {"tags": {"key": "value" | null}}');
  return parseTagChanges(body.tags);
}

/** PATCH /apps/:app's `pool`: a tag set, or null / {} to clear it (undefined: no change); pure. */
export function parsePool(value: unknown): Record<string, string> | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const pool = parseTagSet(value);
  return Object.keys(pool).length ? pool : null;
}
