import { start as agent } from '../agent/start.js';
import { start as builder } from '../builder/start.js';
import { start as controller } from '../controller/start.js';
import { start as dashboard } from '../dashboard/start.js';
import { failedToStart, runServices, type StartService } from '../core/service.js';
import { start as router } from '../router/start.js';
import { start as scheduler } from '../scheduler/start.js';
import { selectServices } from './select.js';

// The platform's services in one Node process (scripts/up with
// PAAS_PROCESSES=one, the default on one machine): each keeps its own config,
// logger (its lines say which service) and lifecycle, as in a process of its
// own (services/<svc>/main.ts); they share the etcd client and the Docker
// client. `node main.js [service...]` runs only those named.

const SERVICES: Readonly<Record<string, StartService>> = { controller, builder, scheduler, agent, router, dashboard };

let names: string[] = [];
try {
  names = selectServices(process.argv.slice(2), Object.keys(SERVICES));
} catch (err) {
  failedToStart('platform', err);
}
// The builder first: its pushes in progress need the others to finish.
runServices(
  'platform',
  names.map((n) => [n, SERVICES[n] as StartService] as const),
  { stopFirst: ['builder'] },
);
