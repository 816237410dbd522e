import { performance } from 'node:perf_hooks';
import { sizeByName } from '../services/core/sizes.js';
import {
  Placer,
  placeAll,
  POLICIES,
  SHARES_PER_CPU,
  type HostRoom,
  type Placement,
  type PlacementRequest,
  type PolicyName,
} from '../services/scheduler/place.js';
import { flags, median, rng, round, runMain } from './common.js';

// Placement benchmark: speed (10,000 containers onto 1,000 hosts of mixed
// sizes and tags, a full placement per policy) and quality (the spread of
// host utilisation on a heterogeneous workload, `balanced` against fleet's
// `least-containers`, in the same run). Pure: no etcd, no Docker. Seeded, so
// a run is reproducible.
//
//   npx tsc -p tsconfig.json && node dist/bench/placement.js [--seed N] [--runs N]
//
// Prints one JSON object with flat keys on stdout, a summary on stderr.

function parseArgs(argv: readonly string[]) {
  const f = flags(argv, 'usage: node dist/bench/placement.js [--seed N] [--runs N]', ['seed', 'runs']);
  return { seed: f.int('seed', 42), runs: f.int('runs', 5, 1) };
}

/** Picks by weight: [[value, weight], ...]. */
function pick<T>(rand: () => number, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [v, w] of choices) {
    r -= w;
    if (r < 0) return v;
  }
  return choices[choices.length - 1]![0];
}

const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

/** Hosts of mixed sizes: memory and CPUs drawn independently, so their memory/CPU ratios differ. */
function hostsOf(rand: () => number, n: number, tagged: boolean): HostRoom[] {
  return Array.from({ length: n }, (_, i) => {
    const memoryMb = pick(rand, [
      [4096, 1],
      [8192, 1],
      [16384, 1],
      [32768, 1],
    ] as const);
    const cpus = pick(rand, [
      [2, 1],
      [4, 1],
      [8, 1],
      [16, 1],
    ] as const);
    const tags: Record<string, string> = {};
    if (tagged) {
      tags.pool = pick(rand, [
        ['shared', 6],
        ['high', 2],
        ['low', 2],
      ] as const);
      if (rand() < 0.3) tags.ssd = 'true';
    }
    return { id: `host-${String(i).padStart(4, '0')}`, memoryMb, cpus, tags };
  });
}

/** A process type's request: a size from the size table, or a custom CPU-heavy or memory-heavy one. */
type Kind = 'performance-m' | 'standard-2x' | 'standard-1x' | 'basic' | 'eco' | 'cpu-heavy' | 'memory-heavy';
function resources(kind: Kind): { memoryMb: number; cpuShares: number } {
  if (kind === 'cpu-heavy') return { memoryMb: 512, cpuShares: 4096 }; // 8 shares per MB
  if (kind === 'memory-heavy') return { memoryMb: 4096, cpuShares: 512 }; // 1/8 share per MB
  const s = sizeByName(kind);
  return { memoryMb: s.memoryMb, cpuShares: s.cpuShares };
}

/** The speed workload: `count` containers of apps of mixed sizes, replicas and required tags. */
function speedWorkload(rand: () => number, count: number): PlacementRequest[] {
  const out: PlacementRequest[] = [];
  for (let a = 0; out.length < count; a++) {
    const kind = pick(rand, [
      ['eco', 12],
      ['basic', 4],
      ['standard-1x', 3],
      ['standard-2x', 1],
    ] as const);
    const pools: [Record<string, string> | undefined, number][] = [
      [undefined, 14],
      [{ pool: 'high' }, 3],
      [{ pool: 'low' }, 2],
      [{ pool: 'shared', ssd: 'true' }, 1],
    ];
    const requiredTags = pick(rand, pools);
    const replicas = Math.min(int(rand, 1, 20), count - out.length);
    for (let r = 0; r < replicas; r++)
      out.push({ app: `app-${a}`, type: 'web', ...resources(kind), ...(requiredTags && { requiredTags }) });
  }
  return out;
}

/**
 * The quality workload: apps of high, normal and low load (their needs differ
 * by 10× and more), added in a seeded random order until the requests reach
 * `fill` of the hosts' memory or CPU. `mix` "sizes" draws from the size table;
 * "cpu-memory" adds CPU-heavy and memory-heavy apps to it.
 */
function qualityWorkload(
  rand: () => number,
  hosts: readonly HostRoom[],
  fill: number,
  mix: 'sizes' | 'cpu-memory',
): PlacementRequest[] {
  const memCap = hosts.reduce((s, h) => s + h.memoryMb, 0);
  const cpuCap = hosts.reduce((s, h) => s + h.cpus * SHARES_PER_CPU, 0);
  const classes: (readonly [readonly [Kind, number, number], number])[] =
    mix === 'sizes'
      ? [
          [['performance-m', 3, 8], 1], // high load: big dynos, many replicas
          [['standard-2x', 2, 4], 2],
          [['standard-1x', 1, 3], 4], // normal
          [['eco', 1, 2], 6], // low load
        ]
      : [
          [['cpu-heavy', 2, 6], 2],
          [['memory-heavy', 2, 6], 2],
          [['standard-1x', 1, 3], 3],
          [['eco', 1, 2], 3],
        ];
  const out: PlacementRequest[] = [];
  let mem = 0;
  let cpu = 0;
  for (let a = 0; mem < fill * memCap && cpu < fill * cpuCap; a++) {
    const [kind, lo, hi] = pick(rand, classes);
    const r = resources(kind);
    for (let i = int(rand, lo, hi); i > 0; i--) {
      out.push({ app: `app-${a}`, type: i % 3 === 0 ? 'worker' : 'web', ...r });
      mem += r.memoryMb;
      cpu += r.cpuShares;
    }
  }
  return out;
}

/**
 * batch: one placement of the whole workload (Placer.placeAll, largest
 * first), as the scheduler places what one plan adds. arrival: one container
 * at a time in the workload's order, as apps arriving over time would be.
 */
const ORDERS = ['batch', 'arrival'] as const;
function placeIn(
  order: (typeof ORDERS)[number],
  requests: readonly PlacementRequest[],
  hosts: readonly HostRoom[],
  policy: PolicyName,
): Placement[] {
  if (order === 'batch') return placeAll(requests, hosts, [], policy);
  const placer = new Placer(hosts, [], policy);
  return requests.map((r) => placer.place(r));
}

interface Spread {
  cvMem: number;
  cvCpu: number;
  cvMax: number;
  fullestMem: number;
  fullestCpu: number;
  fullestMax: number;
  unplaced: number;
}

const cv = (xs: readonly number[]) => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  return mean === 0 ? 0 : Math.sqrt(variance) / mean;
};

/** Utilisation of each host after a placement: its coefficient of variation and the fullest host. */
function spread(
  hosts: readonly HostRoom[],
  requests: readonly PlacementRequest[],
  result: readonly Placement[],
): Spread {
  const mem = new Map(hosts.map((h) => [h.id, 0]));
  const cpu = new Map(hosts.map((h) => [h.id, 0]));
  let unplaced = 0;
  result.forEach((p, i) => {
    const r = requests[i]!;
    if (!p.ok) return void unplaced++;
    mem.set(p.host, mem.get(p.host)! + r.memoryMb);
    cpu.set(p.host, cpu.get(p.host)! + r.cpuShares);
  });
  const mu = hosts.map((h) => mem.get(h.id)! / h.memoryMb);
  const cu = hosts.map((h) => cpu.get(h.id)! / (h.cpus * SHARES_PER_CPU));
  const mx = mu.map((m, i) => Math.max(m, cu[i]!));
  const r = (x: number) => round(x, 3);
  return {
    cvMem: r(cv(mu)),
    cvCpu: r(cv(cu)),
    cvMax: r(cv(mx)),
    fullestMem: r(Math.max(...mu)),
    fullestCpu: r(Math.max(...cu)),
    fullestMax: r(Math.max(...mx)),
    unplaced,
  };
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const out: Record<string, number | string> = { seed: opts.seed, runs: opts.runs };
  const say = (line: string) => process.stderr.write(`${line}\n`);

  // Speed: 10,000 containers onto 1,000 tagged hosts of mixed sizes.
  const rand = rng(opts.seed);
  const hosts = hostsOf(rand, 1000, true);
  const requests = speedWorkload(rand, 10_000);
  out.speed_hosts = hosts.length;
  out.speed_containers = requests.length;
  say(`placement speed: ${requests.length} containers onto ${hosts.length} hosts (median of ${opts.runs} runs)`);
  for (const policy of POLICIES) {
    placeAll(requests, hosts, [], policy); // warm-up
    const times: number[] = [];
    let result: Placement[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const t0 = performance.now();
      result = placeAll(requests, hosts, [], policy);
      times.push(performance.now() - t0);
    }
    const key = policy.replace('-', '_');
    out[`speed_${key}_ms`] = round(median(times), 1);
    out[`speed_${key}_min_ms`] = round(Math.min(...times), 1);
    out[`speed_${key}_max_ms`] = round(Math.max(...times), 1);
    out[`speed_${key}_unplaced`] = result.filter((p) => !p.ok).length;
    say(
      `  ${policy}: ${out[`speed_${key}_ms`]} ms (${out[`speed_${key}_min_ms`]}–${out[`speed_${key}_max_ms`]}), ${out[`speed_${key}_unplaced`]} unplaced`,
    );
  }

  // Quality: the same workload under each policy, on untagged hosts of mixed sizes.
  say(
    'placement quality: coefficient of variation of host utilisation (mem / cpu / max), fullest host (max of mem, cpu), unplaced',
  );
  for (const mix of ['sizes', 'cpu-memory'] as const) {
    for (const fill of [0.7, 0.9]) {
      const r = rng(opts.seed + 1);
      const qHosts = hostsOf(r, 100, false);
      const qRequests = qualityWorkload(r, qHosts, fill, mix);
      const prefix = `quality_${mix.replace('-', '_')}_fill${Math.round(fill * 100)}`;
      out[`${prefix}_hosts`] = qHosts.length;
      out[`${prefix}_containers`] = qRequests.length;
      say(`  ${mix}, requests = ${fill * 100}% of capacity, ${qRequests.length} containers on ${qHosts.length} hosts:`);
      for (const [order, policy] of ORDERS.flatMap((o) => POLICIES.map((p) => [o, p] as const))) {
        const s = spread(qHosts, qRequests, placeIn(order, qRequests, qHosts, policy));
        const p = `${prefix}_${order}_${policy.replace('-', '_')}`;
        out[`${p}_cv_mem`] = s.cvMem;
        out[`${p}_cv_cpu`] = s.cvCpu;
        out[`${p}_cv_max`] = s.cvMax;
        out[`${p}_fullest_mem`] = s.fullestMem;
        out[`${p}_fullest_cpu`] = s.fullestCpu;
        out[`${p}_fullest_max`] = s.fullestMax;
        out[`${p}_unplaced`] = s.unplaced;
        say(
          `    ${order.padEnd(7)} ${policy.padEnd(16)} cv ${s.cvMem} / ${s.cvCpu} / ${s.cvMax}, fullest ${s.fullestMax}, unplaced ${s.unplaced}`,
        );
      }
    }
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

runMain(main);
