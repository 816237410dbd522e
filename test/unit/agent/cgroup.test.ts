import { describe, expect, it } from 'vitest';
import {
  containerCgroups,
  cpuSeconds,
  firstPid,
  memoryFigures,
  parseLimit,
  parseMountinfo,
  parseNetDev,
  parseProcCgroup,
} from '../../../services/agent/metrics/cgroup.js';

// The kernel's files as this machine (Debian 12, Docker 20.10 with the
// cgroupfs driver on cgroup v1, the hybrid layout) and a cgroup v2 host with
// the systemd driver (Debian 12's default) write them.

const ID = '5db3c33f92c4c9c579e38222ba6c335a237d6df966cf43d1ea289e6b256690c9';

const HYBRID_MOUNTINFO = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
77 35 0:32 / /mnt/memory\\040again rw,relatime - cgroup cgroup rw,memory
`;

const HYBRID_PROC = `9:name=systemd:/docker/${ID}
8:pids:/docker/${ID}
4:memory:/docker/${ID}
2:cpuacct:/docker/${ID}
1:cpu:/docker/${ID}
0::/docker/${ID}
`;

const V2_MOUNTINFO = `25 30 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const V2_PROC = `0::/system.slice/docker-${ID}.scope\n`;

const V1_MEMORY_STAT = `cache 6856704
rss 34496512
inactive_file 4452352
active_file 2404352
hierarchical_memory_limit 536870912
total_cache 6856704
total_rss 34496512
total_inactive_file 4452352
total_active_file 2404352
`;

const V2_MEMORY_STAT = `anon 36270080
file 7000064
kernel 1302528
inactive_anon 36216832
active_anon 53248
inactive_file 5185536
active_file 1814528
`;

const V2_CPU_STAT = `usage_usec 314517
user_usec 219738
system_usec 94779
nr_periods 0
`;

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1200      12    0    0    0     0          0         0     1200      12    0    0    0     0       0          0
  eth0: 2105306      73    0    0    0     0          0         0  1003010      55    0    0    0     0       0          0
`;

describe('parseMountinfo', () => {
  it('finds each cgroup hierarchy once, v1 with its controllers, v2 unified', () => {
    expect(parseMountinfo(HYBRID_MOUNTINFO)).toEqual([
      { version: 1, controllers: ['cpu'], mountPoint: '/sys/fs/cgroup/cpu', root: '/' },
      { version: 1, controllers: ['cpuacct'], mountPoint: '/sys/fs/cgroup/cpuacct', root: '/' },
      { version: 1, controllers: ['cpuset'], mountPoint: '/sys/fs/cgroup/cpuset', root: '/' },
      { version: 1, controllers: ['memory'], mountPoint: '/sys/fs/cgroup/memory', root: '/' },
      { version: 1, controllers: ['name=systemd'], mountPoint: '/sys/fs/cgroup/systemd', root: '/' },
      { version: 2, controllers: [], mountPoint: '/sys/fs/cgroup/unified', root: '/' },
    ]);
  });

  it('reads combined controllers and escaped mount points', () => {
    const m = parseMountinfo('40 31 0:40 /sub /a\\040b rw - cgroup cgroup rw,cpu,cpuacct\n');
    expect(m).toEqual([{ version: 1, controllers: ['cpu', 'cpuacct'], mountPoint: '/a b', root: '/sub' }]);
  });
});

describe('parseProcCgroup', () => {
  it('maps each v1 controller to its path, and the 0:: line to the v2 path', () => {
    const p = parseProcCgroup(HYBRID_PROC);
    expect(p.v1.get('memory')).toBe(`/docker/${ID}`);
    expect(p.v1.get('name=systemd')).toBe(`/docker/${ID}`);
    expect(p.v2).toBe(`/docker/${ID}`);
    expect(parseProcCgroup('4:cpu,cpuacct:/x\n').v1.get('cpuacct')).toBe('/x');
    expect(parseProcCgroup(V2_PROC)).toEqual({ v1: new Map(), v2: `/system.slice/docker-${ID}.scope` });
  });
});

describe('containerCgroups', () => {
  it("takes v1's memory and cpuacct hierarchies on the hybrid layout, not the unified tree", () => {
    expect(containerCgroups(parseMountinfo(HYBRID_MOUNTINFO), parseProcCgroup(HYBRID_PROC))).toEqual({
      memory: { version: 1, dir: `/sys/fs/cgroup/memory/docker/${ID}` },
      cpu: { version: 1, dir: `/sys/fs/cgroup/cpuacct/docker/${ID}` },
    });
  });

  it("takes the unified tree on cgroup v2 (systemd's scope)", () => {
    const dir = `/sys/fs/cgroup/system.slice/docker-${ID}.scope`;
    expect(containerCgroups(parseMountinfo(V2_MOUNTINFO), parseProcCgroup(V2_PROC))).toEqual({
      memory: { version: 2, dir },
      cpu: { version: 2, dir },
    });
  });

  it("resolves a path under a mount's root, and is undefined for one outside it or a missing controller", () => {
    const mounts = parseMountinfo('1 0 0:5 /docker /cg rw - cgroup cgroup rw,memory,cpuacct\n');
    const cg = containerCgroups(mounts, parseProcCgroup(`3:memory,cpuacct:/docker/${ID}\n`));
    expect(cg?.memory.dir).toBe(`/cg/${ID}`);
    expect(containerCgroups(mounts, parseProcCgroup('3:memory,cpuacct:/other/x\n'))).toBeUndefined();
    expect(containerCgroups(parseMountinfo(HYBRID_MOUNTINFO), parseProcCgroup(`1:cpu:/x\n0::/x\n`))).toBeUndefined();
  });
});

describe('memoryFigures', () => {
  it("is cAdvisor's: usage, usage minus the inactive file cache (v1 total_inactive_file), and the limit", () => {
    expect(memoryFigures(1, '44634112\n', V1_MEMORY_STAT, '536870912\n')).toEqual({
      usageBytes: 44634112,
      workingSetBytes: 44634112 - 4452352,
      limitBytes: 536870912,
    });
  });

  it('reads v2 (inactive_file, memory.max), never a working set below 0', () => {
    expect(memoryFigures(2, '44617728\n', V2_MEMORY_STAT, 'max\n')).toEqual({
      usageBytes: 44617728,
      workingSetBytes: 44617728 - 5185536,
      limitBytes: 0,
    });
    expect(memoryFigures(2, '100\n', 'inactive_file 4096\n', '268435456\n')?.workingSetBytes).toBe(0);
    expect(memoryFigures(1, '', '', '')).toBeUndefined();
  });

  it('exports an unlimited limit as 0, as cAdvisor does above 2^62', () => {
    expect(parseLimit('9223372036854771712\n')).toBe(0);
    expect(parseLimit('max\n')).toBe(0);
    expect(parseLimit('268435456\n')).toBe(268435456);
  });
});

describe('cpuSeconds', () => {
  it('is cpuacct.usage (ns) on v1 and cpu.stat usage_usec on v2, in seconds', () => {
    expect(cpuSeconds(1, '291433053\n')).toBeCloseTo(0.291433053, 9);
    expect(cpuSeconds(2, V2_CPU_STAT)).toBeCloseTo(0.314517, 9);
    expect(cpuSeconds(2, 'user_usec 1\n')).toBeUndefined();
    expect(cpuSeconds(1, 'garbage')).toBeUndefined();
  });
});

describe('parseNetDev', () => {
  it("gives each interface's received and transmitted bytes, loopback left out", () => {
    expect(parseNetDev(NET_DEV)).toEqual(new Map([['eth0', { rxBytes: 2105306, txBytes: 1003010 }]]));
    expect(parseNetDev('')).toEqual(new Map());
  });
});

describe('firstPid', () => {
  it('is the first process of a cgroup.procs file, or undefined when it has none', () => {
    expect(firstPid('22532\n22571\n')).toBe(22532);
    expect(firstPid('')).toBeUndefined();
  });
});
