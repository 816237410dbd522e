import type { Host, HostTagOverride, PlacementSettings } from './types.js';

// Host tags as placement sees them: the agent's own (PAAS_HOST_TAGS) with an
// admin's changes (`paas hosts:tag`, /host-tags/<host>) on top.

/** The agent's tags, then each override: a value sets the tag, null removes it. */
export function effectiveTags(
  host: Pick<Host, 'tags'>,
  override?: Pick<HostTagOverride, 'tags'>,
): Record<string, string> {
  const out: Record<string, string> = { ...host.tags };
  for (const [k, v] of Object.entries(override?.tags ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** A host's room as placement counts it: its memory and CPUs times the scheduler's overcommit factors. */
export function placementCapacity(
  capacity: Host['capacity'],
  factors: Pick<PlacementSettings, 'cpuOvercommit' | 'memoryOvercommit'>,
): { memoryMb: number; cpus: number } {
  return {
    memoryMb: Math.floor(capacity.memoryMb * factors.memoryOvercommit),
    cpus: capacity.cpus * factors.cpuOvercommit,
  };
}

/** True when every required tag is on the host with the same value. */
export function matchesTags(
  hostTags: Readonly<Record<string, string>>,
  required: Readonly<Record<string, string>> | undefined,
): boolean {
  return Object.entries(required ?? {}).every(([k, v]) => hostTags[k] === v);
}
