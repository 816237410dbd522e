import type { Command } from 'commander';
import { apiClient, appPath } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { json, table } from '../../format.js';
import { resolveApp } from '../../git.js';
import type { ReleaseView } from '../releases/format.js';
import { oneOffText } from '../run/format.js';

// ps, ps:scale (alias scale), ps:type, ps:restart (alias restart), ps:sizes.

export interface DynoView {
  id: string;
  name: string;
  type: string;
  state: string;
  release: { version: number };
  size: string;
  command: string;
  host: string;
  created_at: string;
  updated_at: string;
  restarts?: number;
  exit_code?: number | null;
  started_at?: string | null;
}

/** The API's shapes (types only: the CLI talks to the controller over HTTP). */
export type { FormationEntryView as FormationEntry, SizeView } from '../../../services/core/api.js';
import type { FormationEntryView as FormationEntry, SizeView } from '../../../services/core/api.js';

/** One update of ps:scale as the API takes it: quantity absolute (3) or relative ("+1", "-2"). */
export interface ScaleUpdate {
  type: string;
  quantity?: number | string;
  size?: string;
}

const TYPE = '[a-zA-Z0-9_-]{1,30}';
const SIZE = '[a-zA-Z0-9-]{1,30}';
const ABSOLUTE = new RegExp(`^(${TYPE})=(?:(\\d{1,3})(?::(${SIZE}))?|([a-zA-Z][a-zA-Z0-9-]{0,29}))$`);
const RELATIVE = new RegExp(`^(${TYPE}?)([+-]\\d{1,3})(?::(${SIZE}))?$`);

/**
 * ps:scale's arguments: `web=3`, `web=3:standard-2x`, `web=standard-2x`
 * (size only), `web+1`, `web-1`. Anything else is refused with the form to use.
 */
export function parseScaleArgs(args: readonly string[]): ScaleUpdate[] {
  if (args.length === 0) throw new CliError('Usage: paas ps:scale web=2 worker=1:standard-2x');
  return args.map((arg) => {
    const rel = RELATIVE.exec(arg);
    if (rel) {
      const u: ScaleUpdate = { type: rel[1] as string, quantity: rel[2] as string };
      if (rel[3]) u.size = rel[3];
      return u;
    }
    const abs = ABSOLUTE.exec(arg);
    if (!abs) throw new CliError(`Invalid argument ${JSON.stringify(arg)}: use TYPE=QUANTITY[:SIZE], TYPE=SIZE, TYPE+N or TYPE-N, e.g. web=2 worker=1:standard-2x`);
    const [, type, quantity, size, sizeOnly] = abs as unknown as [string, string, string | undefined, string | undefined, string | undefined];
    if (sizeOnly !== undefined) return { type, size: sizeOnly };
    const u: ScaleUpdate = { type, quantity: Number(quantity) };
    if (size) u.size = size;
    return u;
  });
}

/** "web at 3:standard-1x, worker at 1:standard-2x" */
export function scaledText(entries: readonly FormationEntry[]): string {
  return entries.map((e) => `${e.type} at ${e.quantity}:${e.size}`).join(', ');
}

/** "web=1:standard-1x worker=0:eco", as ps:scale without arguments shows the formation. */
export interface TypeRow {
  type: string;
  quantity: number;
  size: string;
  memory_mb: number | null;
  cpu_shares: number | null;
  disk_mb: number | null;
  egress_mbit: number | null;
  ingress_mbit: number | null;
}

/** ps:type's rows: each process type with what its size gives a dyno; pure. */
export function typeRows(formation: readonly FormationEntry[], sizes: readonly SizeView[]): TypeRow[] {
  return formation.map((f) => {
    const s = sizes.find((x) => x.name === f.size);
    return { type: f.type, quantity: f.quantity, size: f.size, memory_mb: s?.memory_mb ?? null, cpu_shares: s?.cpu_shares ?? null, disk_mb: s?.disk_mb ?? null, egress_mbit: s?.egress_mbit ?? null, ingress_mbit: s?.ingress_mbit ?? null };
  });
}

export function typeText(rows: readonly TypeRow[]): string {
  if (rows.length === 0) return 'No process types (push the app first)';
  const n = (v: number | null) => (v === null ? '-' : String(v));
  return table(rows.map((r) => [r.type, r.size, String(r.quantity), n(r.memory_mb), n(r.cpu_shares), n(r.disk_mb), n(r.egress_mbit), n(r.ingress_mbit)]), ['Type', 'Size', 'Qty', 'Memory (MB)', 'CPU shares', 'Disk (MB)', 'Egress (Mbit/s)', 'Ingress (Mbit/s)']);
}

export function formationText(entries: readonly FormationEntry[]): string {
  return entries.map((e) => `${e.type}=${e.quantity}:${e.size}`).join(' ');
}

/** "2026/11/24 20:01:02" in UTC. */
function utc(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]}/${m[2]}/${m[3]} ${m[4]}` : iso;
}

/** "~ 3m ago": how long before `now`, in the largest whole unit. */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(s)) return '';
  if (s < 60) return `~ ${s}s ago`;
  if (s < 3600) return `~ ${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `~ ${Math.floor(s / 3600)}h ago`;
  return `~ ${Math.floor(s / 86400)}d ago`;
}

/** "(exit 3, 2 restarts)" for a crashed dyno, "(2 restarts, last exit 137)" for one running again; '' for one that never exited. */
export function crashNote(d: Pick<DynoView, 'state' | 'restarts' | 'exit_code'>): string {
  const parts: string[] = [];
  const code = d.exit_code ?? undefined;
  const exited = d.state === 'crashed' || d.state === 'failed' || d.state === 'succeeded'; // the last two: a one-off (release phase) that ran
  if (exited && code !== undefined) parts.push(`exit ${code}`);
  const n = d.restarts ?? 0;
  if (n > 0) parts.push(`${n} restart${n === 1 ? '' : 's'}`);
  if (!exited && code !== undefined && n > 0) parts.push(`last exit ${code}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/**
 * Heroku's ps: a block per process type, `=== web (standard-1x): npm start (2)`,
 * then `web.1: up 2026/11/24 20:01:02 (~ 3m ago) v14 on host-1` per dyno (its
 * release and host); one that exited says so: `web.1: crashed (exit 1, 3
 * restarts) 2026/11/24 20:01:02 (~ 2m ago) v14 on host-1`.
 */
/** ` v14 on host-1`: the dyno's release and host, when known. */
function placeNote(d: DynoView): string {
  const v = d.release?.version ? ` v${d.release.version}` : '';
  return d.host ? `${v} on ${d.host}` : v;
}

export function psText(app: string, dynos: readonly DynoView[], now: number): string {
  if (dynos.length === 0) return `No dynos on ${app}`;
  const types = [...new Set(dynos.filter((d) => d.type !== 'run').map((d) => d.type))]; // one-offs: oneOffText
  const runs = oneOffText(dynos, (iso) => `${utc(iso)} (${ago(iso, now)})`);
  return [runs, ...types
    .map((type) => {
      const mine = dynos.filter((d) => d.type === type);
      const first = mine[0] as DynoView;
      const lines = mine.map((d) => `${d.name}: ${d.state}${crashNote(d)} ${utc(d.updated_at)} (${ago(d.updated_at, now)})${placeNote(d)}`);
      return [`=== ${type} (${first.size}): ${first.command} (${mine.length})`, ...lines].join('\n');
    })]
    .filter((block) => block !== '')
    .join('\n\n');
}

/**
 * "v7 failed: web.1 crashed (exit 1) 3 times; v6 is serving" when the latest
 * release failed (the serving one: the newest release of an up web dyno); else
 * undefined.
 */
export function failedReleaseNote(releases: readonly ReleaseView[], dynos: readonly DynoView[]): string | undefined {
  const latest = releases.reduce<ReleaseView | undefined>((m, r) => (!m || r.version > m.version ? r : m), undefined);
  if (latest?.status !== 'failed') return undefined;
  const serving = dynos.filter((d) => d.type === 'web' && d.state === 'up').reduce((m, d) => Math.max(m, d.release.version), 0);
  return `v${latest.version} failed: ${latest.failure ?? 'unknown reason'}; ${serving > 0 ? `v${serving} is serving` : 'no release is serving'}`;
}

/** "Restarting web.1 dyno on my-app", "Restarting web dynos on my-app", "Restarting dynos on my-app". */
export function restartingText(app: string, target: string | undefined): string {
  if (target === undefined) return `Restarting dynos on ${app}`;
  return target.includes('.') ? `Restarting ${target} dyno on ${app}` : `Restarting ${target} dynos on ${app}`;
}

const APP_OPTION = ['-a, --app <app>', 'app to run the command against'] as const;

export function registerPs(program: Command, ctx: Ctx): void {
  program
    .command('ps')
    .description("list an app's dynos and their state")
    .option(...APP_OPTION)
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas ps -a my-app\n  === web (standard-1x): npm start (2)\n  web.1: up 2026/11/24 20:01:02 (~ 3m ago) v14 on host-1\n  web.2: up 2026/11/24 20:01:04 (~ 3m ago) v14 on host-1')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const client = await apiClient(ctx);
      const dynos = await client.get<DynoView[]>(appPath(app, '/dynos'));
      if (opts.json) return ctx.out(json(dynos));
      const note = failedReleaseNote(await client.get<ReleaseView[]>(appPath(app, '/releases')), dynos);
      ctx.out(note ? `${psText(app, dynos, Date.now())}\n\n${note}` : psText(app, dynos, Date.now()));
    });

  program
    .command('ps:scale [tuples...]')
    .alias('scale')
    .description('scale process types to a number of dynos and/or a size; without arguments, show the formation')
    .option(...APP_OPTION)
    .option('--json', 'output the updated formation as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  $ paas ps:scale web=3 worker=1:standard-2x -a my-app\n  Scaling dynos... done, now running web at 3:standard-1x, worker at 1:standard-2x\n  $ paas ps:scale web+1\n  $ paas ps:scale web=performance-m',
    )
    .action(async (tuples: string[], opts: { app?: string; json?: boolean }) => {
      const updates = tuples.length > 0 ? parseScaleArgs(tuples) : undefined;
      const app = await resolveApp(ctx.cwd, opts.app);
      const client = await apiClient(ctx);
      if (!updates) {
        const formation = await client.get<FormationEntry[]>(appPath(app, '/formation'));
        return ctx.out(opts.json ? json(formation) : formationText(formation));
      }
      const scaled = await client.request<FormationEntry[]>('PATCH', appPath(app, '/formation'), { updates });
      ctx.out(opts.json ? json(scaled) : `Scaling dynos... done, now running ${scaledText(scaled)}`);
    });

  program
    .command('ps:type [changes...]')
    .description("show each process type's size and what it gives a dyno (memory, CPU, disk, bandwidth); TYPE=SIZE changes it")
    .option(...APP_OPTION)
    .option('--json', 'output as JSON: [{type, quantity, size, memory_mb, cpu_shares, disk_mb, egress_mbit, ingress_mbit}]')
    .addHelpText('after', '\nExample:\n  $ paas ps:type -a my-app\n  Type  Size         Qty  Memory (MB)  CPU shares  Disk (MB)  Egress (Mbit/s)  Ingress (Mbit/s)\n  web   standard-1x  1    512          1024        2048       200              200\n  $ paas ps:type web=standard-2x worker=eco')
    .action(async (changes: string[], opts: { app?: string; json?: boolean }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const client = await apiClient(ctx);
      let formation: FormationEntry[];
      if (changes.length > 0) {
        const updates = changes.map((arg) => {
          const m = new RegExp(`^(${TYPE})=(${SIZE})$`).exec(arg);
          if (!m) throw new CliError(`Invalid argument ${JSON.stringify(arg)}: use TYPE=SIZE, e.g. web=standard-2x (paas ps:sizes lists the sizes)`);
          return { type: m[1] as string, size: m[2] as string };
        });
        formation = await client.request<FormationEntry[]>('PATCH', appPath(app, '/formation'), { updates });
      } else formation = await client.get<FormationEntry[]>(appPath(app, '/formation'));
      const rows = typeRows(formation, await client.get<SizeView[]>('/dyno-sizes'));
      if (opts.json) return ctx.out(json(rows));
      ctx.out(typeText(rows));
    });

  program
    .command('ps:restart [dyno]')
    .alias('restart')
    .description('restart all dynos, the dynos of one process type (web) or one dyno (web.1), without downtime')
    .option(...APP_OPTION)
    .addHelpText('after', '\nExample:\n  $ paas ps:restart -a my-app\n  Restarting dynos on my-app... done\n  $ paas ps:restart web.1\n  Restarting web.1 dyno on my-app... done')
    .action(async (dyno: string | undefined, opts: { app?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      const path = appPath(app, dyno === undefined ? '/dynos' : `/dynos/${encodeURIComponent(dyno)}`);
      await (await apiClient(ctx)).request('DELETE', path);
      ctx.out(`${restartingText(app, dyno)}... done`);
    });

  program
    .command('ps:sizes')
    .description('list the dyno sizes: memory, CPU share, disk and bandwidth')
    .option('--json', 'output as JSON')
    .addHelpText('after', '\nExample:\n  $ paas ps:sizes\n  Name         Memory (MB)  CPU shares  Disk (MB)  Egress (Mbit/s)  Ingress (Mbit/s)\n  eco          256          256         1024       50               50')
    .action(async (opts: { json?: boolean }) => {
      const sizes = await (await apiClient(ctx)).get<SizeView[]>('/dyno-sizes');
      if (opts.json) return ctx.out(json(sizes));
      ctx.out(table(sizes.map((s) => [s.name, String(s.memory_mb), String(s.cpu_shares), String(s.disk_mb), String(s.egress_mbit), String(s.ingress_mbit)]), ['Name', 'Memory (MB)', 'CPU shares', 'Disk (MB)', 'Egress (Mbit/s)', 'Ingress (Mbit/s)']));
    });
}
