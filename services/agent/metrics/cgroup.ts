// What the kernel says of a container, parsed: the cgroup hierarchies this
// process sees (/proc/self/mountinfo), a process's cgroups (/proc/<pid>/cgroup),
// and the figures in a cgroup's files (v1: memory.usage_in_bytes, memory.stat,
// memory.limit_in_bytes, cpuacct.usage; v2: memory.current, memory.stat,
// memory.max, cpu.stat) and a network namespace's counters (/proc/<pid>/net/dev).
// Pure: kernel.ts reads the files, these turn their text into numbers, as
// cAdvisor computes them.

/** A cgroup hierarchy mounted here: v1 with its controllers (`memory`, `cpuacct`, ...), or the v2 unified one. */
export interface CgroupMount {
  version: 1 | 2;
  /** v1: its controllers (with its other super options); v2: none listed (every one the unified tree has). */
  controllers: string[];
  /** Where it is mounted. */
  mountPoint: string;
  /** The cgroup of the hierarchy mounted there ("/" unless a cgroup namespace or a bind mount shows a subtree). */
  root: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The cgroup mounts in /proc/self/mountinfo, the first of each hierarchy (a bind mount of it again is left out). */
export function parseMountinfo(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const f = before.split(' ');
    const [fstype, , superOptions = ''] = after.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const [device, root, mountPoint] = [f[2], f[3], f[4]];
    if (!device || !root || !mountPoint || seen.has(device)) continue;
    seen.add(device);
    // v1's super options name its controllers among other options (rw, xattr, name=systemd): those match no controller
    const controllers = fstype === 'cgroup' ? superOptions.split(',').filter((o) => o !== 'rw' && o !== 'ro') : [];
    out.push({
      version: fstype === 'cgroup' ? 1 : 2,
      controllers,
      mountPoint: unescape(mountPoint),
      root: unescape(root),
    });
  }
  return out;
}

/** A process's cgroups (/proc/<pid>/cgroup): the v1 path of each controller, and its v2 path (the `0::` line). */
export interface ProcCgroups {
  v1: Map<string, string>;
  v2?: string;
}

export function parseProcCgroup(text: string): ProcCgroups {
  const out: ProcCgroups = { v1: new Map() };
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, id, list = '', path = ''] = m;
    if (id === '0' && list === '') out.v2 = path;
    else for (const c of list.split(',')) if (c) out.v1.set(c, path);
  }
  return out;
}

/** A cgroup's folder, and the format of its files. */
export interface CgroupDir {
  version: 1 | 2;
  dir: string;
}

/** Where a container's memory and CPU figures are (and the folder whose cgroup.procs lists its processes). */
export interface ContainerCgroups {
  memory: CgroupDir;
  cpu: CgroupDir;
}

/** The folder of `path` in `mount`, or undefined when that mount does not show it. */
function dirIn(mount: CgroupMount, path: string): string | undefined {
  const root = mount.root.replace(/\/+$/, '');
  if (root && path !== root && !path.startsWith(`${root}/`)) return undefined;
  const rel = path.slice(root.length).replace(/^\/+/, '');
  return rel ? `${mount.mountPoint.replace(/\/+$/, '')}/${rel}` : mount.mountPoint;
}

/**
 * The folders of a process's memory and CPU accounting: a v1 hierarchy's when one has the controller (`memory`,
 * `cpuacct`: cgroup v1, and the hybrid layout where the unified tree holds no controller), else the v2 tree's.
 * Undefined when this process sees neither.
 */
export function containerCgroups(mounts: readonly CgroupMount[], proc: ProcCgroups): ContainerCgroups | undefined {
  const find = (controller: string): CgroupDir | undefined => {
    const path = proc.v1.get(controller);
    const v1 = mounts.find((m) => m.version === 1 && m.controllers.includes(controller));
    if (v1 && path !== undefined) {
      const dir = dirIn(v1, path);
      if (dir) return { version: 1, dir };
    }
    const v2 = mounts.find((m) => m.version === 2);
    if (!v1 && v2 && proc.v2 !== undefined) {
      const dir = dirIn(v2, proc.v2);
      if (dir) return { version: 2, dir };
    }
    return undefined;
  };
  const memory = find('memory');
  const cpu = find('cpuacct');
  return memory && cpu ? { memory, cpu } : undefined;
}

/** `key value` lines (memory.stat, cpu.stat) as numbers. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** A file holding one number (memory.usage_in_bytes, cpuacct.usage, memory.current); NaN otherwise. */
export function parseNumber(text: string): number {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : NaN;
}

/**
 * A limit file (v1 memory.limit_in_bytes, v2 memory.max) in bytes, 0 when unlimited: v2 writes `max`, v1 a page-
 * rounded 2^63; cAdvisor exports any limit above 2^62 as 0.
 */
export function parseLimit(text: string): number {
  const t = text.trim();
  if (t === 'max') return 0;
  const n = parseNumber(t);
  return Number.isFinite(n) && n <= 2 ** 62 ? n : 0;
}

/** The memory figures cAdvisor exports. */
export interface MemoryFigures {
  /** All the memory charged to the cgroup, page cache included (container_memory_usage_bytes). */
  usageBytes: number;
  /** The usage without the inactive file cache, which the kernel reclaims first (container_memory_working_set_bytes). */
  workingSetBytes: number;
  /** Its limit; 0: none (container_spec_memory_limit_bytes). */
  limitBytes: number;
}

/**
 * cAdvisor's working set: usage minus the inactive file cache (v1 `total_inactive_file`, hierarchical; v2
 * `inactive_file`), never below 0.
 */
export function memoryFigures(version: 1 | 2, usage: string, stat: string, limit: string): MemoryFigures | undefined {
  const usageBytes = parseNumber(usage);
  if (!Number.isFinite(usageBytes)) return undefined;
  const s = parseFlatKeyed(stat);
  const inactive = (version === 1 ? s.get('total_inactive_file') : s.get('inactive_file')) ?? 0;
  return { usageBytes, workingSetBytes: Math.max(0, usageBytes - inactive), limitBytes: parseLimit(limit) };
}

/** CPU time used by the cgroup since it was made, in seconds: v1 cpuacct.usage (ns), v2 cpu.stat's usage_usec. */
export function cpuSeconds(version: 1 | 2, text: string): number | undefined {
  const n = version === 1 ? parseNumber(text) : (parseFlatKeyed(text).get('usage_usec') ?? NaN) * 1000;
  return Number.isFinite(n) ? n / 1e9 : undefined;
}

/** An interface's byte counters. */
export interface NetBytes {
  rxBytes: number;
  txBytes: number;
}

/** Interfaces cAdvisor leaves out of a container's network figures (its isIgnoredDevice). */
const IGNORED = /^(lo|veth|docker)/;

/** /proc/<pid>/net/dev: the byte counters of each interface of that network namespace, but loopback. */
export function parseNetDev(text: string): Map<string, NetBytes> {
  const out = new Map<string, NetBytes>();
  for (const line of text.split('\n')) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, name = '', rest = ''] = m;
    const f = rest.trim().split(/\s+/).map(Number);
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes ...
    const [rxBytes, txBytes] = [f[0], f[8]];
    if (IGNORED.test(name) || rxBytes === undefined || txBytes === undefined) continue;
    if (!Number.isFinite(rxBytes) || !Number.isFinite(txBytes)) continue;
    out.set(name, { rxBytes, txBytes });
  }
  return out;
}

/** The first process id in a cgroup.procs file (one of the container's: they share its network namespace). */
export function firstPid(text: string): number | undefined {
  const m = /^\s*(\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
}
