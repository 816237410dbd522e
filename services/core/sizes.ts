import { invalid } from './errors.js';

// Named container sizes, like Heroku's dyno sizes: memory limit, CPU share
// (1024 = one CPU's worth of weight under contention) and the writable disk
// space of the container (its root filesystem's writes: /app, /tmp, ...) and
// its network rates (Mbit/s): egress (what the dyno sends: its responses, its
// uploads) and ingress (what it receives), shaped with tc on its interface by
// the agent (services/agent/isolation/bandwidth.ts).

export interface Size {
  name: string;
  memoryMb: number;
  cpuShares: number;
  diskMb: number;
  egressMbit: number;
  ingressMbit: number;
}

/** The limits a container of this size gets (what an Assignment carries). */
export function limitsOf(size: Size): Omit<Size, 'name'> {
  const { memoryMb, cpuShares, diskMb, egressMbit, ingressMbit } = size;
  return { memoryMb, cpuShares, diskMb, egressMbit, ingressMbit };
}

/** What a container is held to (an Assignment's limits); disk and rates absent: unbounded, unshaped. */
export type Limits = Pick<Size, 'memoryMb' | 'cpuShares'> &
  Partial<Pick<Size, 'diskMb' | 'egressMbit' | 'ingressMbit'>>;

/** The limits a record carries (an Assignment), only those it has. Pure. */
export function limitFields(a: Limits): Limits {
  const out: Limits = { memoryMb: a.memoryMb, cpuShares: a.cpuShares };
  if (a.diskMb !== undefined) out.diskMb = a.diskMb;
  if (a.egressMbit !== undefined) out.egressMbit = a.egressMbit;
  if (a.ingressMbit !== undefined) out.ingressMbit = a.ingressMbit;
  return out;
}

/** Whether two records carry the same limits (all five). Pure. */
export function sameLimits(a: Limits, b: Limits): boolean {
  return (
    a.memoryMb === b.memoryMb &&
    a.cpuShares === b.cpuShares &&
    a.diskMb === b.diskMb &&
    a.egressMbit === b.egressMbit &&
    a.ingressMbit === b.ingressMbit
  );
}

export const SIZES: readonly Size[] = [
  { name: 'eco', memoryMb: 256, cpuShares: 256, diskMb: 1024, egressMbit: 50, ingressMbit: 50 },
  { name: 'basic', memoryMb: 512, cpuShares: 512, diskMb: 2048, egressMbit: 100, ingressMbit: 100 },
  { name: 'standard-1x', memoryMb: 512, cpuShares: 1024, diskMb: 2048, egressMbit: 200, ingressMbit: 200 },
  { name: 'standard-2x', memoryMb: 1024, cpuShares: 2048, diskMb: 4096, egressMbit: 400, ingressMbit: 400 },
  { name: 'performance-m', memoryMb: 2560, cpuShares: 4096, diskMb: 8192, egressMbit: 1000, ingressMbit: 1000 },
];

export const DEFAULT_SIZE = 'standard-1x';

export function sizeByName(name: string): Size {
  const s = SIZES.find((x) => x.name === name.toLowerCase());
  if (!s) throw invalid(`Unknown size ${JSON.stringify(name)}; sizes are ${SIZES.map((x) => x.name).join(', ')}`);
  return s;
}

/**
 * The size named (any case), or the default size for an unknown or absent name; for stored records, which were checked
 * on the way in.
 */
export function sizeOrDefault(name: string | undefined): Size {
  return (
    SIZES.find((s) => s.name === (name ?? '').toLowerCase()) ?? (SIZES.find((s) => s.name === DEFAULT_SIZE) as Size)
  );
}

/** The name of the size with this memory and these CPU shares (each size has its own pair), else "<memory>MB". */
export function sizeNameOf(memoryMb: number, cpuShares: number): string {
  return SIZES.find((s) => s.memoryMb === memoryMb && s.cpuShares === cpuShares)?.name ?? `${memoryMb}MB`;
}
