import { formatDate, keyValues, table } from '../../format.js';
import type { HostView } from '../../../services/core/api.js';

// Text the hosts commands (admins, over /hosts) print; apps:pool prints tags too.

/** "pool=high,ssd=true" sorted by key; pure. */
export function tagsText(tags: Readonly<Record<string, string>>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(',');
}

const num = (n: number) => String(Math.round(n * 100) / 100);

/** The capacity allocations count against: as placement counts it when the controller knows, else the host's own. */
const capOf = (h: HostView) => h.placement_capacity ?? h.capacity;

/** "used/allocated/capacity MB" ("-" for an unknown part), capacity as placement counts it; pure. */
export function memoryText(h: HostView): string {
  const cap = capOf(h);
  return `${h.used ? num(h.used.memory_mb) : '-'}/${num(h.allocated.memory_mb)}/${cap ? num(cap.memory_mb) : '-'} MB`;
}

/**
 * "used/allocated/capacity" in CPUs; allocated from CPU shares (1024 = one CPU), capacity as placement counts it; pure.
 */
export function cpuText(h: HostView): string {
  const cap = capOf(h);
  return `${h.used ? num(h.used.cpus) : '-'}/${num(h.allocated.cpu_shares / 1024)}/${cap ? num(cap.cpus) : '-'}`;
}

/** "4 CPUs × 16" when placement counts more than the host has; "" otherwise; pure. */
function overcommitText(h: HostView, part: 'cpus' | 'memory_mb'): string {
  const own = h.capacity?.[part];
  const placed = h.placement_capacity?.[part];
  if (!own || !placed || Math.abs(placed - own) < 1) return '';
  return `${num(own)} ${part === 'cpus' ? 'CPUs' : 'MB'} × ${num(placed / own)}`;
}

const counted = (text: string) => (text ? `; placement counts ${text}` : '');

/** The `paas hosts` table; pure. */
export function hostsTable(hosts: readonly HostView[]): string {
  if (hosts.length === 0) return 'No hosts are registered.';
  const rows = table(
    hosts.map((h) => [
      h.id,
      h.address ?? '-',
      tagsText(h.tags) || '-',
      memoryText(h),
      cpuText(h),
      String(h.allocated.containers),
    ]),
    ['ID', 'ADDRESS', 'TAGS', 'MEMORY (used/alloc/cap)', 'CPU (used/alloc/cap)', 'CONTAINERS'],
  );
  const h = hosts.find((x) => x.capacity && x.placement_capacity);
  const note = h ? [overcommitText(h, 'cpus'), overcommitText(h, 'memory_mb')].filter(Boolean) : [];
  return note.length > 0
    ? `${rows}\ncap: as placement counts it (${note.join(', ')}: PAAS_SCHEDULER_CPU_OVERCOMMIT, PAAS_SCHEDULER_MEMORY_OVERCOMMIT)`
    : rows;
}

function overridesText(o: Readonly<Record<string, string | null>>): string {
  return Object.keys(o)
    .sort()
    .map((k) => (o[k] === null ? `${k}-` : `${k}=${o[k]}`))
    .join(',');
}

/** The `paas hosts:info` block; pure. */
export function hostInfoText(h: HostView): string {
  return [
    `=== ${h.id}`,
    keyValues([
      ['State', h.state],
      ['Address', h.address ?? '-'],
      ['Tags', tagsText(h.tags) || '-'],
      ['Agent tags', tagsText(h.agent_tags) || '-'],
      ['Overrides', overridesText(h.tag_overrides) || '-'],
      ['Memory', `${memoryText(h)} (used/allocated/capacity${counted(overcommitText(h, 'memory_mb'))})`],
      ['CPU', `${cpuText(h)} (used/allocated/capacity${counted(overcommitText(h, 'cpus'))})`],
      ['Containers', String(h.allocated.containers)],
      ['Registered', h.registered_at ? formatDate(h.registered_at) : '-'],
    ]),
  ].join('\n');
}

export const hostPath = (id: string, rest = '') => `/hosts/${encodeURIComponent(id)}${rest}`;
