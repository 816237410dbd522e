// An agent whose Docker engine lives in another network namespace than its
// own process (scripts/hosts: each test host's dockerd runs in `paas-hN`,
// its agent in the machine's namespace, where etcd and the controller listen
// on 127.0.0.1). The engine's bridges, its containers' host-side veths and
// its iptables chains are in that namespace, so the agent's iptables
// (network.ts) and tc (bandwidth.ts) commands run there: nsenter into the
// namespace's file (/run/netns/<name>, as `ip netns add` makes it), network
// namespace only, so that the mounts and cgroups stay the machine's.
// PAAS_AGENT_NETNS names it; unset, commands run where the agent does.

/** A network namespace name as `ip netns` takes it. */
export const NETNS = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The command and arguments that run `cmd args` inside `netns` (or as they are without one). Pure. */
export function inNetns(netns: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  if (!netns) return [cmd, [...args]];
  return ['nsenter', [`--net=/run/netns/${netns}`, cmd, ...args]];
}

/** `ip -o link` lines ("12: veth1a2b@if11: <...") -> interface name by ifindex. Pure. */
export function linkNames(ipOLink: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of ipOLink.split('\n')) {
    const m = /^(\d+):\s+([^@:\s]+)(?:@[^:\s]+)?:/.exec(line.trim());
    if (m) out.set(Number(m[1]), m[2] as string);
  }
  return out;
}
