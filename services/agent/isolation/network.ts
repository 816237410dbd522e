import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { sameList } from '../../core/compare.js';
import { inNetns } from './netns.js';

// Network isolation of apps (see docs/architecture.md, "Network isolation").
// Every container of a cluster's apps runs on one user-defined bridge,
// `<cluster>-apps`, with inter-container traffic off (Docker's
// enable_icc=false: a DROP of bridge-to-same-bridge traffic), so no dyno
// reaches another (of its own app or another) except through the router, as
// on Heroku's common runtime. Docker's own isolation chains already keep
// other bridges (the default one, where builds run, other clusters') apart.
// On top, rules this agent owns and applies again at start and every
// RULES_EVERY_MS (so a flushed chain or an engine that rewrote its chains is
// mended within seconds):
//   INPUT, from the bridge: established/related and TCP to the router's
//     ports accepted, everything else to the host dropped (the platform's
//     services, etcd and SSH bind to 127.0.0.1 anyway; this covers whatever
//     else listens on the host's addresses);
//   DOCKER-USER (forwarded traffic), from the bridge and from docker0:
//     link-local addresses (169.254.0.0/16: cloud metadata) dropped.
// Each rule carries the comment `paas:<cluster>`, so clusters on one machine
// never touch each other's rules and `scripts/down --purge` removes them.

export const RULES_EVERY_MS = 10_000;

/** The apps network of a cluster. */
export function appsNetworkName(cluster: string): string {
  return `${cluster}-apps`;
}

/** Its bridge interface: fixed, so rules can name it; at most 15 characters (IFNAMSIZ). */
export function appsBridgeName(cluster: string): string {
  const name = `pa-${cluster}`;
  if (name.length <= 15) return name;
  return `pa-${cluster.slice(0, 5)}-${createHash('sha256').update(cluster).digest('hex').slice(0, 6)}`;
}

export interface Rule {
  chain: 'INPUT' | 'DOCKER-USER';
  /** The match and target, without the comment. */
  spec: string[];
}

export function ruleComment(cluster: string): string {
  return `paas:${cluster}`;
}

/**
 * The rules of a cluster, in the order they must take in their chain (each
 * chain's are inserted at its top as a block). Pure.
 */
export function isolationRules(o: { bridge: string; routerPorts: readonly number[]; buildBridge?: string }): Rule[] {
  const input: Rule[] = [
    { chain: 'INPUT', spec: ['-i', o.bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'] },
    ...[...new Set(o.routerPorts)]
      .sort((a, b) => a - b)
      .map((p): Rule => ({
        chain: 'INPUT',
        spec: ['-i', o.bridge, '-p', 'tcp', '--dport', String(p), '-j', 'ACCEPT'],
      })),
    { chain: 'INPUT', spec: ['-i', o.bridge, '-j', 'DROP'] },
  ];
  const forward: Rule[] = [o.bridge, ...(o.buildBridge ? [o.buildBridge] : [])].map((b) => ({
    chain: 'DOCKER-USER',
    spec: ['-i', b, '-d', '169.254.0.0/16', '-j', 'DROP'],
  }));
  return [...input, ...forward];
}

/** `iptables -S CHAIN` lines of this cluster's rules, as iptables prints them. */
export function ourLines(listing: string, cluster: string): string[] {
  const tag = new RegExp(`--comment "?${ruleComment(cluster)}"?( |$)`); // cluster names are [a-z0-9-]
  return listing.split('\n').filter((l) => l.startsWith('-A ') && tag.test(l));
}

/**
 * The arguments that delete a rule `iptables -S` printed ("-A CHAIN ..." becomes "-D CHAIN ..."), split as iptables
 * does (quotes kept off).
 */
export function deleteArgs(line: string): string[] {
  const parts = line.match(/"[^"]*"|\S+/g) ?? [];
  return ['-D', ...parts.slice(1).map((p) => p.replace(/^"(.*)"$/, '$1'))];
}

const run = promisify(execFile);

export interface Iptables {
  (args: string[]): Promise<string>;
}

export const iptables: Iptables = async (args) => (await run('iptables', ['-w', '5', ...args])).stdout;

/** iptables inside the engine's network namespace (netns.ts), or the agent's own without one. */
export function iptablesIn(netns: string | undefined): Iptables {
  if (!netns) return iptables;
  return async (args) => (await run(...inNetns(netns, 'iptables', ['-w', '5', ...args]))).stdout;
}

/**
 * Keeps a cluster's rules in their chains: present, in order, next to each
 * other (not necessarily first: other clusters' rules name other bridges).
 * What iptables prints for our rules after we insert them is remembered, so
 * a later pass compares listings and runs nothing else when all is well.
 */
export class Firewall {
  private readonly seen = new Map<string, string[]>();

  constructor(
    private readonly ipt: Iptables,
    private readonly cluster: string,
    private readonly rules: readonly Rule[],
  ) {}

  /** Puts back what is missing or out of order; returns the chains it rewrote. */
  async apply(): Promise<string[]> {
    const comment = ['-m', 'comment', '--comment', ruleComment(this.cluster)];
    const rewrote: string[] = [];
    for (const chain of ['INPUT', 'DOCKER-USER'] as const) {
      const want = this.rules.filter((r) => r.chain === chain);
      const listing = await this.ipt(['-S', chain]);
      const mine = ourLines(listing, this.cluster);
      const all = listing.split('\n').filter((l) => l.startsWith('-A '));
      const at = all.indexOf(mine[0] ?? '');
      const together =
        mine.length === want.length && (mine.length === 0 || sameList(all.slice(at, at + mine.length), mine));
      const known = this.seen.get(chain);
      const ok = together && (known ? sameList(known, mine) : await everyPresent(this.ipt, chain, want, comment));
      if (ok) {
        this.seen.set(chain, mine);
        continue;
      }
      for (const l of mine) await this.ipt(deleteArgs(l));
      // Inserted at the top last to first, so they end in order.
      for (const r of [...want].reverse()) await this.ipt(['-I', chain, '1', ...r.spec, ...comment]);
      this.seen.set(chain, ourLines(await this.ipt(['-S', chain]), this.cluster));
      rewrote.push(chain);
    }
    return rewrote;
  }
}

async function everyPresent(ipt: Iptables, chain: string, rules: readonly Rule[], comment: string[]): Promise<boolean> {
  for (const r of rules) {
    try {
      await ipt(['-C', chain, ...r.spec, ...comment]);
    } catch {
      return false;
    }
  }
  return true;
}

/** Removes every rule of the cluster (tests, scripts/down --purge does the same in bash). */
export async function removeRules(ipt: Iptables, cluster: string): Promise<void> {
  for (const chain of ['INPUT', 'DOCKER-USER']) {
    for (const l of ourLines(await ipt(['-S', chain]), cluster)) await ipt(deleteArgs(l));
  }
}

/** Creates the cluster's apps network unless it exists; returns its name. */
export async function ensureAppsNetwork(docker: Docker, cluster: string): Promise<string> {
  const name = appsNetworkName(cluster);
  try {
    const info = (await docker.getNetwork(name).inspect()) as { Options?: Record<string, string> };
    if (info.Options?.['com.docker.network.bridge.enable_icc'] !== 'false')
      throw new Error(
        `the Docker network ${name} exists but lets containers talk to each other (enable_icc is not false); remove it (docker network rm ${name}) so the agent makes it anew`,
      );
    return name;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  try {
    await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { 'paas.cluster': cluster },
      Options: {
        'com.docker.network.bridge.name': appsBridgeName(cluster),
        'com.docker.network.bridge.enable_icc': 'false',
      },
    });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 409) throw err; // made meanwhile by another agent of this cluster
  }
  return name;
}

export interface IsolationLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The apps network made (or found) and the rules applied, now and every
 * RULES_EVERY_MS; returns the network's name for the container spec. Throws
 * when the network cannot be had (the agent cannot run containers safely).
 */
export async function startIsolation(o: {
  docker: Docker;
  cluster: string;
  routerPorts: readonly number[];
  log: IsolationLog;
  ipt?: Iptables;
  everyMs?: number;
}): Promise<{ network: string; stop(): void }> {
  const network = await ensureAppsNetwork(o.docker, o.cluster);
  const firewall = new Firewall(
    o.ipt ?? iptables,
    o.cluster,
    isolationRules({ bridge: appsBridgeName(o.cluster), routerPorts: o.routerPorts, buildBridge: 'docker0' }),
  );
  const pass = async (first: boolean) => {
    try {
      if (!first) await ensureAppsNetwork(o.docker, o.cluster);
      const rewrote = await firewall.apply();
      if (rewrote.length && !first)
        o.log.warn({ chains: rewrote }, 'isolation rules were missing or out of order; put back');
      else if (first)
        o.log.info({ network, bridge: appsBridgeName(o.cluster), routerPorts: o.routerPorts }, 'apps network isolated');
    } catch (err) {
      o.log.error({ err }, 'cannot apply the isolation rules (iptables)');
    }
  };
  await pass(true);
  const timer = setInterval(() => void pass(false), o.everyMs ?? RULES_EVERY_MS);
  timer.unref();
  return { network, stop: () => clearInterval(timer) };
}
