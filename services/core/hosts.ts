import type { Host, HostTagOverride } from './types.js';

// Host tags as placement sees them: the agent's own (PAAS_HOST_TAGS) with an
// admin's changes (`paas hosts:tag`, /host-tags/<host>) on top.

/** The agent's tags, then each override: a value sets the tag, null removes it. */
export function effectiveTags(host: Pick<Host, 'tags'>, override?: Pick<HostTagOverride, 'tags'>): Record<string, string> {
  const out: Record<string, string> = { ...host.tags };
  for (const [k, v] of Object.entries(override?.tags ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** True when every required tag is on the host with the same value. */
export function matchesTags(hostTags: Readonly<Record<string, string>>, required: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(required ?? {}).every(([k, v]) => hostTags[k] === v);
}
