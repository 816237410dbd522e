import type { Command } from 'commander';
import { apiClient, appPath } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { formatDate, json, keyValues, table } from '../../format.js';
import { resolveApp } from '../../git.js';

// hosts, hosts:info, hosts:tag (admins) over /hosts; apps:pool over
// PATCH /apps/:app {pool}. Parsing and text in pure functions below.

/** The API's host view (a type only: the CLI still talks to the controller over HTTP). */
export type { HostView } from '../../../services/core/api.js';
import type { HostView } from '../../../services/core/api.js';

interface AppPool {
  name: string;
  pool: Record<string, string> | null;
}

/** "pool=high,ssd=true" sorted by key; pure. */
export function tagsText(tags: Readonly<Record<string, string>>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(',');
}

/** `key=value` sets a tag, `key-` removes it (as config:unset does); pure. */
export function parseTagArgs(args: readonly string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    let key: string;
    let value: string | null;
    if (eq > 0) [key, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
    else if (eq < 0 && arg.length > 1 && arg.endsWith('-')) [key, value] = [arg.slice(0, -1), null];
    else throw new CliError(`${JSON.stringify(arg)} is not key=value (to set a tag) or key- (to remove one)`);
    if (key in out) throw new CliError(`The tag ${key} is given twice`);
    out[key] = value;
  }
  if (Object.keys(out).length === 0) throw new CliError('Give at least one tag: key=value to set it, key- to remove it. Example: paas hosts:tag host-1 pool=high ssd-');
  return out;
}

/**
 * apps:pool's arguments: a first one without '=' names the app (else -a or
 * the git remote); the others are key=value, the whole required set; pure.
 */
export function parsePoolArgs(args: readonly string[], appFlag: string | undefined): { app: string | undefined; pool: Record<string, string> } {
  let rest = [...args];
  let app = appFlag;
  const first = rest[0];
  if (first !== undefined && !first.includes('=')) {
    if (appFlag !== undefined && appFlag !== first) throw new CliError(`Two apps given: ${first} and --app ${appFlag}`);
    app = first;
    rest = rest.slice(1);
  }
  const pool: Record<string, string> = {};
  for (const arg of rest) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new CliError(`${JSON.stringify(arg)} is not key=value. Example: paas apps:pool my-app pool=high`);
    const key = arg.slice(0, eq);
    if (key in pool) throw new CliError(`The tag ${key} is given twice`);
    pool[key] = arg.slice(eq + 1);
  }
  return { app, pool };
}

const num = (n: number) => String(Math.round(n * 100) / 100);

/** The capacity allocations count against: as placement counts it when the controller knows, else the host's own. */
const capOf = (h: HostView) => h.placement_capacity ?? h.capacity;

/** "used/allocated/capacity MB" ("-" for an unknown part), capacity as placement counts it; pure. */
export function memoryText(h: HostView): string {
  const cap = capOf(h);
  return `${h.used ? num(h.used.memory_mb) : '-'}/${num(h.allocated.memory_mb)}/${cap ? num(cap.memory_mb) : '-'} MB`;
}

/** "used/allocated/capacity" in CPUs; allocated from CPU shares (1024 = one CPU), capacity as placement counts it; pure. */
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
    hosts.map((h) => [h.id, h.address ?? '-', tagsText(h.tags) || '-', memoryText(h), cpuText(h), String(h.allocated.containers)]),
    ['ID', 'ADDRESS', 'TAGS', 'MEMORY (used/alloc/cap)', 'CPU (used/alloc/cap)', 'CONTAINERS'],
  );
  const h = hosts.find((x) => x.capacity && x.placement_capacity);
  const note = h ? [overcommitText(h, 'cpus'), overcommitText(h, 'memory_mb')].filter(Boolean) : [];
  return note.length > 0 ? `${rows}\ncap: as placement counts it (${note.join(', ')}: PAAS_SCHEDULER_CPU_OVERCOMMIT, PAAS_SCHEDULER_MEMORY_OVERCOMMIT)` : rows;
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

/** The `paas apps:pool` text; pure. */
export function poolText(app: string, pool: Readonly<Record<string, string>> | null): string {
  if (!pool || Object.keys(pool).length === 0) return `${app} has no pool: its containers may run on any host.`;
  return `=== ${app} Pool\n${tagsText(pool)}`;
}

const hostPath = (id: string, rest = '') => `/hosts/${encodeURIComponent(id)}${rest}`;

export function registerHosts(program: Command, ctx: Ctx): void {
  program
    .command('hosts')
    .description('list the hosts (admins): tags, memory and CPU used/allocated/capacity, containers')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas hosts\n  ID      ADDRESS    TAGS         MEMORY (used/alloc/cap)  CPU (used/alloc/cap)  CONTAINERS\n  host-1  127.0.0.1  pool=shared  300/1024/8192 MB         0.2/2/64              2\n  cap: as placement counts it (4 CPUs × 16: PAAS_SCHEDULER_CPU_OVERCOMMIT, PAAS_SCHEDULER_MEMORY_OVERCOMMIT)')
    .action(async (opts: { json?: boolean }) => {
      const hosts = await (await apiClient(ctx)).get<HostView[]>('/hosts');
      ctx.out(opts.json ? json(hosts) : hostsTable(hosts));
    });

  program
    .command('hosts:info <host>')
    .description('show one host (admins): its tags, where they come from, and its load')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas hosts:info host-1\n  === host-1\n  State:  up\n  ...')
    .action(async (id: string, opts: { json?: boolean }) => {
      const host = await (await apiClient(ctx)).get<HostView>(hostPath(id));
      ctx.out(opts.json ? json(host) : hostInfoText(host));
    });

  program
    .command('hosts:tag <host> [tags...]')
    .description("set (key=value) or remove (key-) a host's tags (admins); kept over the agent's own tags across its restarts; --reset drops every change")
    .option('--reset', "go back to the agent's own tags")
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas hosts:tag host-1 pool=high ssd-\n  Setting tags of host-1... done\n  Tags: pool=high\n  $ paas hosts:tag host-1 --reset')
    .action(async (id: string, args: string[], opts: { reset?: boolean; json?: boolean }) => {
      if (opts.reset && args.length) throw new CliError('Give either tags or --reset, not both');
      const api = await apiClient(ctx);
      const host = opts.reset
        ? await api.request<HostView>('DELETE', hostPath(id, '/tags'))
        : await api.request<HostView>('PATCH', hostPath(id, '/tags'), { tags: parseTagArgs(args) });
      if (opts.json) return ctx.out(json(host));
      ctx.out(`${opts.reset ? 'Resetting' : 'Setting'} tags of ${host.id}... done`);
      ctx.out(`Tags: ${tagsText(host.tags) || '(none)'}`);
    });

  program
    .command('apps:pool [args...]')
    .description("show or set the host tags an app's containers require (owner or admin to change); the set given replaces the old one")
    .option('-a, --app <app>', 'app to run the command against')
    .option('--clear', 'remove the requirement: any host')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas apps:pool my-app pool=high\n  Setting pool of my-app to pool=high... done\n  $ paas apps:pool -a my-app\n  === my-app Pool\n  pool=high\n  $ paas apps:pool --clear -a my-app')
    .action(async (args: string[], opts: { app?: string; clear?: boolean; json?: boolean }) => {
      const parsed = parsePoolArgs(args, opts.app);
      const setting = Object.keys(parsed.pool).length > 0;
      if (setting && opts.clear) throw new CliError('Give either tags or --clear, not both');
      const app = await resolveApp(ctx.cwd, parsed.app);
      const api = await apiClient(ctx);
      if (!setting && !opts.clear) {
        const info = await api.get<AppPool>(appPath(app));
        return ctx.out(opts.json ? json(info.pool) : poolText(app, info.pool));
      }
      const info = await api.request<AppPool>('PATCH', appPath(app), { pool: opts.clear ? null : parsed.pool });
      if (opts.json) return ctx.out(json(info.pool));
      ctx.out(opts.clear ? `Clearing pool of ${app}... done` : `Setting pool of ${app} to ${tagsText(info.pool ?? {})}... done`);
    });
}
