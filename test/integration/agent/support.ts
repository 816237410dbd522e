import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { createLogger } from '../../../services/core/logger.js';
import type { AgentSettings } from '../../../services/agent/agent.js';
import type { Assignment } from '../../../services/core/types.js';
import { loadConfig } from '../../../services/agent/config.js';
import { appsNetworkName, deleteArgs, iptables, ourLines } from '../../../services/agent/isolation/network.js';
import { waitFor as pollUntil } from '../../support/run.js';

// Helpers shared by the agent and scheduler integration tests: a cluster
// label no one else uses, agent settings for tests, waiting for a state,
// and what the kernel says about a container's main process.

export const RUN_IMAGE = 'paas/stack-run:latest';
export const docker = new Docker();
export const log = createLogger('test', process.env.PAAS_TEST_LOG_LEVEL ?? 'silent');

/** A PAAS_CLUSTER value unique to this test, so only our containers carry it. */
export function uniqueCluster(): string {
  return `t${randomBytes(4).toString('hex')}`;
}

export function agentSettings(cluster: string, hostId: string, over: Partial<AgentSettings> = {}): AgentSettings {
  return {
    ...loadConfig({ PAAS_CLUSTER: cluster, PAAS_HOST_ID: hostId }), // the defaults the agent runs with
    memoryMb: 4096,
    cpus: 2,
    leaseTtlSeconds: 5,
    resyncMs: 1000,
    stopGraceSeconds: 2,
    healthTimeoutMs: 30_000,
    restartDelayMs: 500,
    orphanGraceMs: 0,
    pidsLimit: 128,
    frozenMb: 0, // sleeping containers are stopped unless a test freezes them (freeze.test.ts)
    ...over,
  };
}

/** test/support/run.ts's waitFor with the timeout last (default 60 s), as these tests call it. */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  return pollUntil(what, timeoutMs, probe);
}

export async function httpBody(upstream: string): Promise<string | undefined> {
  try {
    const res = await fetch(`http://${upstream}/`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

export async function containersOf(cluster: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`paas.cluster=${cluster}`] } });
}

export async function removeContainersOf(cluster: string): Promise<void> {
  for (const c of await containersOf(cluster)) await docker.getContainer(c.Id).remove({ force: true });
}

/**
 * Everything a test's cluster left on the machine: its containers, its apps network (each takes one of Docker's
 * address pools: a few dozen left behind and no engine on the machine can make a network) and its iptables rules.
 */
export async function forgetCluster(cluster: string): Promise<void> {
  await removeContainersOf(cluster);
  await docker
    .getNetwork(appsNetworkName(cluster))
    .remove()
    .catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404) throw err;
    });
  for (const chain of ['INPUT', 'DOCKER-USER'])
    for (const line of ourLines(await iptables(['-S', chain]), cluster)) await iptables(deleteArgs(line));
}

/** Uid and effective capabilities of a container's main process, from /proc on the host. */
export async function mainProcess(containerId: string): Promise<{ uid: string; capEff: string }> {
  const info = await docker.getContainer(containerId).inspect();
  const status = readFileSync(`/proc/${info.State.Pid}/status`, 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(status)?.[1] ?? '';
  return { uid: field('Uid'), capEff: field('CapEff') };
}

export const webCommand = (greeting: string) =>
  `node -e "require('http').createServer((q,s)=>s.end('${greeting} '+process.env.DYNO)).listen(process.env.PORT)"`;

/**
 * An assignment of `app` on `host` as the scheduler writes one: a web dyno (its type and index from `id`,
 * `<app>.<type>.<index>.v<N>`) of the run stack answering `v1 <dyno>`, 256 MB and 512 CPU shares.
 */
export function assignmentOf(host: string, id: string, over: Partial<Assignment> = {}): Assignment {
  const [app = 'app', type = 'web', index = '1'] = id.split('.');
  return {
    id,
    host,
    app,
    release: 1,
    type,
    index: Number(index),
    image: RUN_IMAGE,
    command: webCommand('v1'),
    env: {},
    port: 5000,
    memoryMb: 256,
    cpuShares: 512,
    createdAt: new Date().toISOString(),
    ...over,
  };
}
