import { command } from '../../command.js';
import { ExitStatus } from '../../context.js';
import { formatDate, json, table } from '../../format.js';
import type { PlatformStatus, ProcessStatus } from '../../../services/core/api.js';

// status (admins): the platform's own processes on the controller's machine,
// as their supervisor sees them (GET /status).

/** A process's name, with the services it runs when that is not just itself: `platform (controller, ...)`. */
export function processLabel(p: Pick<ProcessStatus, 'name' | 'services'>): string {
  const services = p.services ?? []; // an older controller sends none
  return services.length === 0 || (services.length === 1 && services[0] === p.name)
    ? p.name
    : `${p.name} (${services.join(', ')})`;
}

/** The table `paas status` prints; pure. */
export function statusText(s: PlatformStatus): string {
  const rows = s.processes.map((p) => [
    processLabel(p),
    p.state === 'up' ? `up (pid ${p.pid})` : 'DOWN',
    p.up_since ? formatDate(p.up_since) : '-',
    p.supervisor,
    String(p.restarts),
    p.last_exit ?? '-',
  ]);
  if (rows.length === 0) {
    return "No supervised processes found on the controller's machine (was the platform started with scripts/up?)";
  }
  return table(rows, ['Process', 'State', 'Since', 'Supervisor', 'Restarts', 'Last exit']);
}

export default command(
  'status',
  {
    description: "show the platform's own processes: up or down, since when, restarts and the last exit (admins only)",
    json: 'output as JSON: {processes: [{name, services, state, pid, up_since, supervisor, restarts, last_exit}]}',
    example: [
      '$ paas status',
      'Process                                                              State          Since                    Supervisor  Restarts  Last exit',
      'etcd                                                                 up (pid 4242)  2026/12/06 18:00:00 UTC  runit       0         -',
      'platform (controller, builder, scheduler, agent, router, dashboard)  up (pid 4250)  2026/12/06 18:00:01 UTC  runit       0         -',
    ],
  },
  async ({ api, opts, out }) => {
    const s = await api.get<PlatformStatus>('/status');
    if (opts.json) return out(json(s));
    out(statusText(s));
    // exit 1 when one is down, so a script or a health check can tell
    if (s.processes.some((p) => p.state !== 'up')) throw new ExitStatus(1);
  },
);
