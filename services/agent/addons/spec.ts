import { createHash } from 'node:crypto';
import { ADDON_KINDS, type AddonAssignment } from '../../core/addons.js';

// Pure decisions of the agent's add-on runner (runner.ts): the names of an
// add-on's container, volume and network, its container's spec, and what a
// pass does about each assignment and each app container's networks.
//
// An add-on's container carries labels of its own (paas.addon.*), never the
// apps' (paas.cluster, paas.host), so the apps' reconcile loop (agent.ts)
// neither lists nor removes it. Its data is on a named volume of the add-on
// (by its id: a new add-on of a destroyed one's name starts empty), which
// outlives every container of it. Its network is an internal Docker bridge
// (no route out, nothing published on a host address) where its name is its
// host name; the runner connects the containers of the apps attached to it.

export const ADDON_LABEL = {
  cluster: 'paas.addon.cluster',
  host: 'paas.addon.host',
  name: 'paas.addon.name',
  id: 'paas.addon.id',
  /** A digest of what the container was made from (addonSpecDigest): another one means a new container. */
  digest: 'paas.addon.digest',
} as const;

/** The user the add-on image's servers run as (scripts/addon-stack/build ADDON_UID): the owner of the data dir. */
export const ADDON_UID = 1100;

export interface AddonSpecContext {
  cluster: string;
  hostId: string;
  image: string;
  pidsLimit: number;
}

const safe = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, '-');
export const addonContainerName = (cluster: string, name: string) => safe(`${cluster}-addon-${name}`);
export const addonNetworkName = (cluster: string, name: string) => safe(`${cluster}-addon-${name}`);
/** The volume of this add-on (its id's first 12 characters: another add-on of the name has another volume). */
export const addonVolumeName = (cluster: string, a: Pick<AddonAssignment, 'name' | 'addonId'>) =>
  safe(`${cluster}-addon-${a.name}-${a.addonId.replace(/-/g, '').slice(0, 12)}`);

/** Labels that select this host's add-on containers, networks and volumes. */
export function addonOwnerLabels(ctx: Pick<AddonSpecContext, 'cluster' | 'hostId'>): Record<string, string> {
  return { [ADDON_LABEL.cluster]: ctx.cluster, [ADDON_LABEL.host]: ctx.hostId };
}

/** What decides the container: a change of any of these makes a new container (on the same volume). */
export function addonSpecDigest(a: AddonAssignment, ctx: Pick<AddonSpecContext, 'image'>): string {
  const parts = [ctx.image, a.kind, a.addonId, a.memoryMb, a.cpuShares, a.password];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/** The command Docker's health check runs in the container: the server answers on its port. */
export function healthTest(kind: AddonAssignment['kind']): string[] {
  return kind === 'postgresql'
    ? ['CMD', 'pg_isready', '-q', '-h', '127.0.0.1', '-p', '5432', '-U', 'paas', '-d', 'paas']
    : ['CMD-SHELL', 'redis-cli -a "$PAAS_ADDON_PASSWORD" --no-auth-warning ping | grep -q PONG'];
}

const SECOND_NS = 1_000_000_000;

/** The body of Docker's create-container call for an add-on's container (dockerode's ContainerCreateOptions). */
export function addonContainerSpec(a: AddonAssignment, ctx: AddonSpecContext) {
  const network = addonNetworkName(ctx.cluster, a.name);
  const bytes = a.memoryMb * 1024 * 1024;
  return {
    name: addonContainerName(ctx.cluster, a.name),
    Image: ctx.image,
    Cmd: ['/usr/local/bin/paas-addon', a.kind],
    User: `${ADDON_UID}:${ADDON_UID}`,
    Env: [`PAAS_ADDON_PASSWORD=${a.password}`, `PAAS_ADDON_MEMORY_MB=${a.memoryMb}`],
    Labels: {
      ...addonOwnerLabels(ctx),
      [ADDON_LABEL.name]: a.name,
      [ADDON_LABEL.id]: a.addonId,
      [ADDON_LABEL.digest]: addonSpecDigest(a, ctx),
    },
    // PostgreSQL's fast shutdown (SIGTERM waits for every client to leave); Redis saves on SIGTERM
    StopSignal: a.kind === 'postgresql' ? 'SIGINT' : 'SIGTERM',
    Healthcheck: {
      Test: healthTest(a.kind),
      Interval: 2 * SECOND_NS,
      Timeout: 3 * SECOND_NS,
      Retries: 3,
      StartPeriod: 60 * SECOND_NS,
    },
    HostConfig: {
      Mounts: [
        { Type: 'volume' as const, Source: addonVolumeName(ctx.cluster, a), Target: ADDON_KINDS[a.kind].dataDir },
      ],
      NetworkMode: network,
      Memory: bytes,
      MemorySwap: bytes,
      CpuShares: a.cpuShares,
      PidsLimit: ctx.pidsLimit,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Init: true,
      RestartPolicy: { Name: 'no' }, // the runner restarts it, with backoff, and counts
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3', mode: 'non-blocking' } },
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [a.name] } } },
  };
}

/** The create-network call of an add-on's network: internal (no gateway out), its own labels. */
export function addonNetworkSpec(a: Pick<AddonAssignment, 'name'>, ctx: Pick<AddonSpecContext, 'cluster' | 'hostId'>) {
  return {
    Name: addonNetworkName(ctx.cluster, a.name),
    Driver: 'bridge',
    Internal: true,
    CheckDuplicate: true,
    Labels: { ...addonOwnerLabels(ctx), [ADDON_LABEL.name]: a.name },
  };
}

/** What a pass does with an add-on's container as Docker has it. */
export type ContainerAction = 'create' | 'replace' | 'start' | 'keep';

export interface SeenContainer {
  digest: string | undefined;
  running: boolean;
}

export function containerAction(want: string, seen: SeenContainer | undefined): ContainerAction {
  if (!seen) return 'create';
  if (seen.digest !== want) return 'replace';
  return seen.running ? 'keep' : 'start';
}

/** How long after its last start a crashed add-on is started again: 1 s, doubling per restart, at most 30 s. */
export function restartDelayMs(restarts: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, restarts - 1));
}

/** An app container as the runner sees it: its id, its app, the networks it is on. */
export interface AppContainer {
  id: string;
  app: string;
  networks: readonly string[];
}

/**
 * The connects and disconnects that put each app container on the networks of the add-ons its app is attached to,
 * and off those of the others (`networks`: this host's add-on networks, by add-on name). Pure.
 */
export function networkChanges(
  containers: readonly AppContainer[],
  attached: ReadonlyMap<string, readonly string[]>,
  networks: ReadonlyMap<string, string>,
): {
  connect: { container: string; network: string; addon: string }[];
  disconnect: { container: string; network: string }[];
} {
  const connect: { container: string; network: string; addon: string }[] = [];
  const disconnect: { container: string; network: string }[] = [];
  const addonOfNetwork = new Map([...networks].map(([addon, net]) => [net, addon]));
  for (const c of containers) {
    const on = new Set(c.networks);
    for (const [addon, net] of networks) {
      const should = attached.get(addon)?.includes(c.app) ?? false;
      if (should && !on.has(net)) connect.push({ container: c.id, network: net, addon });
    }
    for (const net of c.networks) {
      const addon = addonOfNetwork.get(net);
      if (addon !== undefined && !(attached.get(addon)?.includes(c.app) ?? false))
        disconnect.push({ container: c.id, network: net });
    }
  }
  return { connect, disconnect };
}

/**
 * The volumes of add-ons no longer assigned here whose grace period is over, and the times volumes were first seen
 * unassigned (kept between passes; a volume assigned again is forgotten). Pure: `now` and the times in ms.
 */
export function volumesPastGrace(
  volumes: readonly string[],
  wanted: ReadonlySet<string>,
  firstSeen: ReadonlyMap<string, number>,
  now: number,
  graceMs: number,
): { remove: string[]; seen: Map<string, number> } {
  const seen = new Map<string, number>();
  const remove: string[] = [];
  for (const v of volumes) {
    if (wanted.has(v)) continue;
    const since = firstSeen.get(v) ?? now;
    if (now - since >= graceMs) remove.push(v);
    else seen.set(v, since);
  }
  return { remove, seen };
}
