import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessStatus, PlatformStatus } from '../../core/api.js';
import { compareStrings } from '../../core/compare.js';

// GET /status (admins; `paas status`): the platform's own processes on the
// controller's machine as their supervisor sees them. scripts/up runs each
// under runit or systemd (scripts/lib/supervise.sh), whose run/finish scripts
// keep $PAAS_STATE_DIR/supervise/<name>/{pid,started,restarts,last_exit,supervisor},
// and scripts/up writes there the services the process runs (services: one
// process "platform" runs all five with PAAS_PROCESSES=one);
// the Docker engine's are under $PAAS_ENGINE_DIR when scripts/up started it;
// nginx is the router's child (its pid file). Read-only: nothing here starts
// or stops anything.

/** Files of one supervise/<name>/ dir -> its status; `alive` says whether a pid runs. Pure. */
export function processStatus(
  name: string,
  files: Readonly<Record<string, string | undefined>>,
  alive: (pid: number) => boolean,
): ProcessStatus {
  const pid = Number(files.pid?.trim());
  const running = Number.isInteger(pid) && pid > 0 && alive(pid);
  const started = Number(files.started?.trim());
  const restarts = Number(files.restarts?.trim() ?? 0);
  return {
    name,
    services: (files.services ?? '').split(/\s+/).filter(Boolean),
    state: running ? 'up' : 'down',
    supervisor: files.supervisor?.trim() || 'unknown',
    pid: running ? pid : null,
    up_since: running && Number.isFinite(started) && started > 0 ? new Date(started * 1000).toISOString() : null,
    restarts: Number.isInteger(restarts) && restarts >= 0 ? restarts : 0,
    last_exit: files.last_exit?.trim() || null,
  };
}

const FILES = ['pid', 'started', 'restarts', 'last_exit', 'supervisor', 'services'] as const;
/** Where the services' order comes from: as scripts/up starts them. */
const ORDER = [
  'dockerd',
  'etcd',
  'etcd-2',
  'etcd-3',
  'platform',
  'controller',
  'controller-2',
  'builder',
  'scheduler',
  'scheduler-2',
  'agent',
  'router',
  'dashboard',
  'nginx',
];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const read = (path: string) => readFile(path, 'utf8').catch(() => undefined);

async function dirStatuses(root: string): Promise<ProcessStatus[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  return Promise.all(
    names.map(async (name) => {
      const files: Record<string, string | undefined> = {};
      for (const f of FILES) files[f] = await read(join(root, name, f));
      return processStatus(name, files, alive);
    }),
  );
}

export async function platformStatus(stateDir: string, engineDir: string): Promise<PlatformStatus> {
  const [own, engine] = await Promise.all([
    dirStatuses(join(stateDir, 'supervise')),
    dirStatuses(join(engineDir, 'supervise')),
  ]);
  const nginx = processStatus(
    'nginx',
    { pid: await read(join(stateDir, 'nginx', 'nginx.pid')), supervisor: 'router' },
    alive,
  );
  const all = [...engine.filter((p) => p.name === 'dockerd'), ...own, nginx];
  const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  return { processes: all.sort((a, b) => rank(a.name) - rank(b.name) || compareStrings(a.name, b.name)) };
}
