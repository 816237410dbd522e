import { readFileSync } from 'node:fs';
import {
  containerCgroups,
  cpuSeconds,
  firstPid,
  memoryFigures,
  parseMountinfo,
  parseNetDev,
  parseProcCgroup,
  type CgroupMount,
  type ContainerCgroups,
  type MemoryFigures,
  type NetBytes,
} from './cgroup.js';

// The files a container's figures are read from, on the host: no call to
// Docker (`docker stats` takes 1-2 s a container), six small reads of
// cgroupfs and procfs each (cgroup.ts parses them), synchronous: such a read
// takes 10-50 µs, and the same through fs/promises 100-170 µs (four trips
// through libuv's pool of four threads each), so dynos.ts reads a few
// containers at a time between turns of the event loop. A container's cgroups are
// found once from its process (/proc/<pid>/cgroup, against the hierarchies in
// /proc/self/mountinfo), so any layout works: cgroup v1, v2 or the hybrid of
// both, Docker's cgroupfs driver (/docker/<id>) or systemd's
// (/system.slice/docker-<id>.scope). They keep their path for the life of
// the container, its restarts included; its network counters are its network
// namespace's, read through one of its processes (its cgroup.procs) each time,
// which a restart changes.

/** A running (or paused) container's figures; a part that cannot be read is absent. */
export interface KernelFigures {
  cpuSeconds?: number;
  memory?: MemoryFigures;
  /** By interface (eth0), loopback left out. */
  net?: Map<string, NetBytes>;
}

/** The file's text, or undefined when it is not there (the cgroup is gone: the container stopped). */
function readIf(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'ENODEV') return undefined;
    throw err;
  }
}

export class Kernel {
  private mounts: CgroupMount[] | undefined;

  /** The cgroup hierarchies this process sees (read once). */
  cgroupMounts(): CgroupMount[] {
    this.mounts ??= parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
    return this.mounts;
  }

  /** The cgroups of the container whose process is `pid`; undefined when the process is gone or none is seen. */
  locate(pid: number): ContainerCgroups | undefined {
    if (!(pid > 0)) return undefined;
    const text = readIf(`/proc/${pid}/cgroup`);
    return text === undefined ? undefined : containerCgroups(this.cgroupMounts(), parseProcCgroup(text));
  }

  /** Its figures now; undefined when its cgroup is gone (it has stopped, or been removed). */
  figures(cg: ContainerCgroups): KernelFigures | undefined {
    const m = cg.memory;
    const v1 = m.version === 1;
    const usage = readIf(`${m.dir}/${v1 ? 'memory.usage_in_bytes' : 'memory.current'}`);
    const cpu = readIf(`${cg.cpu.dir}/${cg.cpu.version === 1 ? 'cpuacct.usage' : 'cpu.stat'}`);
    if (usage === undefined && cpu === undefined) return undefined;
    const stat = readIf(`${m.dir}/memory.stat`);
    const limit = readIf(`${m.dir}/${v1 ? 'memory.limit_in_bytes' : 'memory.max'}`);
    const procs = readIf(`${m.dir}/cgroup.procs`);
    const out: KernelFigures = {};
    const memory = usage !== undefined ? memoryFigures(m.version, usage, stat ?? '', limit ?? '') : undefined;
    if (memory) out.memory = memory;
    const seconds = cpu !== undefined ? cpuSeconds(cg.cpu.version, cpu) : undefined;
    if (seconds !== undefined) out.cpuSeconds = seconds;
    const pid = procs !== undefined ? firstPid(procs) : undefined;
    const dev = pid ? readIf(`/proc/${pid}/net/dev`) : undefined;
    if (dev !== undefined) out.net = parseNetDev(dev);
    return out;
  }
}
