import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { LABEL } from '../spec.js';
import { inNetns, linkNames } from './netns.js';

// Bandwidth per dyno (its size's egress and ingress rates), as Scalingo does:
// tc token buckets (tbf) on both ends of the container's veth, set after every
// start (a start makes a new veth: first start, restart, wake, `paas run`).
// What the dyno receives is what the host sends into the veth: a tbf on the
// host end's root shapes it to the ingress rate. What the dyno sends leaves
// through its own eth0: a tbf on eth0's root, set from the host inside the
// container's network namespace (nsenter), shapes it to the egress rate; the
// dyno has no NET_ADMIN capability, so it cannot change either. (Shaping both
// as egress queues needs only sch_tbf: no policer, no ifb device per dyno.)
// The router's traffic goes through the same veth, so a dyno's responses are
// held to its egress rate too. A resize in place (agent/resize.ts) shapes the
// running container again to its new rates.

const run = promisify(execFile);

export interface Rates {
  egressMbit: number;
  ingressMbit: number;
}

/** The rates a container's labels carry (containerSpec), or undefined when it has none. Pure. */
export function ratesOf(labels: Readonly<Record<string, string>> | undefined): Rates | undefined {
  const e = Number(labels?.[LABEL.egress]);
  const i = Number(labels?.[LABEL.ingress]);
  if (!(Number.isInteger(e) && e > 0 && Number.isInteger(i) && i > 0)) return undefined;
  return { egressMbit: e, ingressMbit: i };
}

/**
 * A bucket holding ~20 ms of traffic at the rate (at least 32 KiB, so small rates still pass full packets), in bytes.
 * Pure.
 */
export function burstBytes(mbit: number): number {
  return Math.max(32 * 1024, Math.ceil((mbit * 1_000_000) / 8 / 50));
}

/** A tbf qdisc as the root of `dev`, replacing what was there (tc's arguments). Pure. */
export function tbfArgs(dev: string, mbit: number): string[] {
  return [
    'qdisc',
    'replace',
    'dev',
    dev,
    'root',
    'tbf',
    'rate',
    `${mbit}mbit`,
    'burst',
    String(burstBytes(mbit)),
    'latency',
    '50ms',
  ];
}

/** "3: eth0@if1234: <...>" (ip -o link, in the container's namespace) -> 1234, the host-side peer's ifindex. Pure. */
export function peerIndex(ipLinkLine: string): number | undefined {
  const m = /^\d+:\s+[^@:\s]+@if(\d+):/.exec(ipLinkLine.trim());
  return m ? Number(m[1]) : undefined;
}

export interface ShaperLog {
  warn(obj: object, msg: string): void;
}

export class Bandwidth {
  constructor(
    private readonly docker: Docker,
    private readonly log: ShaperLog,
    private readonly tcBin = 'tc',
    /** The engine's network namespace when it is not the agent's (netns.ts): the host-side veths are there. */
    private readonly netns?: string,
  ) {}

  /**
   * Shapes a running container's interface to `rates`, else to those its labels carry (what it was created with;
   * after a resize in place its assignment's are the truth: agent/resize.ts); tc replaces buckets already there, so
   * this also re-shapes a running container. Returns the host device shaped, if any.
   */
  async apply(id: string, given?: Rates): Promise<string | undefined> {
    const info = await this.docker.getContainer(id).inspect();
    const rates = given ?? ratesOf(info.Config.Labels);
    if (!rates || !info.State.Running || !info.State.Pid) return undefined;
    const pid = String(info.State.Pid);
    const dev = await this.hostVeth(pid);
    if (!dev) {
      this.log.warn(
        { container: id },
        "cannot find the host side of the container's interface: its bandwidth is not limited",
      );
      return undefined;
    }
    await run(...inNetns(this.netns, this.tcBin, tbfArgs(dev, rates.ingressMbit)));
    await run('nsenter', ['-t', pid, '-n', this.tcBin, ...tbfArgs('eth0', rates.egressMbit)]);
    return dev;
  }

  /** The host interface whose peer is the container's eth0. */
  private async hostVeth(pid: string): Promise<string | undefined> {
    const { stdout } = await run('nsenter', ['-t', pid, '-n', 'ip', '-o', 'link', 'show', 'dev', 'eth0']);
    const index = peerIndex(stdout);
    if (index === undefined) return undefined;
    if (this.netns) {
      // /sys/class/net shows the agent's namespace: ask the engine's
      const links = await run(...inNetns(this.netns, 'ip', ['-o', 'link', 'show']));
      return linkNames(links.stdout).get(index);
    }
    for (const name of await readdir('/sys/class/net')) {
      const i = Number((await readFile(`/sys/class/net/${name}/ifindex`, 'utf8').catch(() => '')).trim());
      if (i === index) return name;
    }
    return undefined;
  }
}
