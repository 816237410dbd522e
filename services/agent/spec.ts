import { dynoName } from '../core/ids.js';
import type { Assignment } from '../core/types.js';
import { LEGACY_APP_UID } from '../core/uids.js';
import { attachSpec } from './attach.js';

// Pure decisions of the agent: what a container for an assignment looks like,
// and which containers to create, keep or remove.

export const LABEL = {
  cluster: 'paas.cluster',
  host: 'paas.host',
  assignment: 'paas.assignment',
  app: 'paas.app',
  release: 'paas.release',
  type: 'paas.type',
  /** Its size's rates (Mbit/s), read back by isolation/bandwidth.ts at every start. */
  egress: 'paas.egress-mbit',
  ingress: 'paas.ingress-mbit',
} as const;

export interface SpecContext {
  cluster: string;
  hostId: string;
  hostAddress: string;
  pidsLimit: number;
  /**
   * The Docker network the containers join (isolation/network.ts: the cluster's isolated apps network); absent:
   * Docker's default bridge.
   */
  network?: string;
}

/** `<cluster>-<assignment id>`, with anything Docker does not allow in a name turned into '-'. */
export function containerName(cluster: string, assignmentId: string): string {
  const name = `${cluster}-${assignmentId}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
  return /^[a-zA-Z0-9]/.test(name) ? name : `x${name}`;
}

/** Labels that select this agent's containers. */
export function ownerLabels(ctx: Pick<SpecContext, 'cluster' | 'hostId'>): Record<string, string> {
  return { [LABEL.cluster]: ctx.cluster, [LABEL.host]: ctx.hostId };
}

/** The body of Docker's create-container call for an assignment (dockerode's ContainerCreateOptions). */
export function containerSpec(a: Assignment, ctx: SpecContext) {
  const portKey = `${a.port}/tcp`;
  return {
    name: containerName(ctx.cluster, a.id),
    Image: a.image,
    Cmd: ['/usr/local/bin/paas-launch', a.command],
    User: `${a.uid ?? LEGACY_APP_UID}:${a.uid ?? LEGACY_APP_UID}`,
    WorkingDir: '/app',
    Env: [...Object.entries(a.env).map(([k, v]) => `${k}=${v}`), `PORT=${a.port}`, `DYNO=${dynoName(a.type, a.index)}`],
    Labels: {
      ...ownerLabels(ctx),
      [LABEL.assignment]: a.id,
      [LABEL.app]: a.app,
      [LABEL.release]: String(a.release),
      [LABEL.type]: a.type,
      ...(a.egressMbit && { [LABEL.egress]: String(a.egressMbit) }),
      ...(a.ingressMbit && { [LABEL.ingress]: String(a.ingressMbit) }),
    },
    ...attachSpec(a), // `paas run`: stdin, and a terminal when the user has one
    ExposedPorts: { [portKey]: {} },
    HostConfig: {
      PortBindings: { [portKey]: [{ HostIp: ctx.hostAddress, HostPort: '' }] },
      ...(ctx.network && { NetworkMode: ctx.network }),
      Memory: a.memoryMb * 1024 * 1024,
      MemorySwap: a.memoryMb * 1024 * 1024,
      CpuShares: a.cpuShares,
      PidsLimit: ctx.pidsLimit,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Init: true,
      RestartPolicy: { Name: 'no' },
      // bounded on disk (3 × 10 MB), and an app never blocks on its output (Docker drops past a 4 MB buffer)
      LogConfig: {
        Type: 'json-file',
        Config: { 'max-size': '10m', 'max-file': '3', mode: 'non-blocking', 'max-buffer-size': '4m' },
      },
    },
  };
}

export interface ContainerRef {
  id: string;
  /** Its name in Docker (containerName), when listed. */
  name?: string;
  labels: Record<string, string>;
  running: boolean;
  /** Paused: frozen asleep (freezer.ts); `running` is false. */
  paused?: boolean;
  created: number; // seconds since the epoch
}

export interface ContainerDiff {
  create: Assignment[];
  /** Containers with no assignment, or extra ones for an assignment that has a better one. */
  remove: ContainerRef[];
  matched: { assignment: Assignment; container: ContainerRef }[];
}

/** Matches containers to assignments by the assignment label. */
export function diffContainers(assignments: readonly Assignment[], containers: readonly ContainerRef[]): ContainerDiff {
  const byAssignment = new Map<string, ContainerRef[]>();
  for (const c of containers) {
    const id = c.labels[LABEL.assignment] ?? '';
    byAssignment.set(id, [...(byAssignment.get(id) ?? []), c]);
  }
  const out: ContainerDiff = { create: [], remove: [], matched: [] };
  const wanted = new Set<string>();
  for (const a of assignments) {
    wanted.add(a.id);
    const mine = [...(byAssignment.get(a.id) ?? [])].sort(
      (x, y) => Number(y.running) - Number(x.running) || y.created - x.created,
    );
    const [best, ...rest] = mine;
    if (best) out.matched.push({ assignment: a, container: best });
    else out.create.push(a);
    out.remove.push(...rest);
  }
  for (const [id, cs] of byAssignment) if (!wanted.has(id)) out.remove.push(...cs);
  return out;
}

/**
 * The diff with at most `max` containers of parked assignments (sleeping apps) kept or made, the most recently
 * assigned first: the containers of the others are removed, and none is made for them (they are made when their app
 * wakes).
 */
export function keepParked(diff: ContainerDiff, max: number): ContainerDiff {
  const parked = [
    ...diff.matched.filter((m) => m.assignment.parked).map((m) => m.assignment),
    ...diff.create.filter((a) => a.parked),
  ];
  if (parked.length <= max) return diff;
  const kept = new Set(
    parked
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
      .slice(0, max)
      .map((a) => a.id),
  );
  const keep = (a: Assignment) => !a.parked || kept.has(a.id);
  return {
    create: diff.create.filter(keep),
    remove: [...diff.remove, ...diff.matched.filter((m) => !keep(m.assignment)).map((m) => m.container)],
    matched: diff.matched.filter((m) => keep(m.assignment)),
  };
}
