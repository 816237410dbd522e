import { describe, expect, it } from 'vitest';
import {
  appsBridgeName,
  appsNetworkName,
  deleteArgs,
  Firewall,
  isolationRules,
  ourLines,
  type Iptables,
} from '../../../services/agent/isolation/network.js';

describe('apps network names', () => {
  it('names the network after the cluster and keeps the bridge within 15 characters, distinct per cluster', () => {
    expect(appsNetworkName('paas')).toBe('paas-apps');
    expect(appsBridgeName('paas')).toBe('pa-paas');
    expect(appsBridgeName('paastest')).toBe('pa-paastest');
    const long = appsBridgeName('a-very-long-cluster-1');
    expect(long.length).toBeLessThanOrEqual(15);
    expect(long).not.toBe(appsBridgeName('a-very-long-cluster-2'));
  });
});

describe('isolation rules', () => {
  it('accept replies and the router ports from the bridge, drop the rest to the host, and drop link-local from both bridges', () => {
    const rules = isolationRules({ bridge: 'pa-paas', routerPorts: [443, 80, 80], buildBridge: 'docker0' });
    expect(rules).toEqual([
      {
        chain: 'INPUT',
        spec: ['-i', 'pa-paas', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
      },
      { chain: 'INPUT', spec: ['-i', 'pa-paas', '-p', 'tcp', '--dport', '80', '-j', 'ACCEPT'] },
      { chain: 'INPUT', spec: ['-i', 'pa-paas', '-p', 'tcp', '--dport', '443', '-j', 'ACCEPT'] },
      { chain: 'INPUT', spec: ['-i', 'pa-paas', '-j', 'DROP'] },
      { chain: 'DOCKER-USER', spec: ['-i', 'pa-paas', '-d', '169.254.0.0/16', '-j', 'DROP'] },
      { chain: 'DOCKER-USER', spec: ['-i', 'docker0', '-d', '169.254.0.0/16', '-j', 'DROP'] },
    ]);
  });

  it("finds a cluster's own lines only, and turns one into its delete", () => {
    const listing = [
      '-P INPUT ACCEPT',
      '-A INPUT -i pa-pt1 -j DROP -m comment --comment "paas:pt1"',
      '-A INPUT -i pa-pt10 -m comment --comment "paas:pt10" -j DROP',
      '-A INPUT -i pa-pt1 -m comment --comment paas:pt1 -j DROP',
      '-A INPUT -i eth0 -j ACCEPT',
    ].join('\n');
    expect(ourLines(listing, 'pt1')).toEqual([
      '-A INPUT -i pa-pt1 -j DROP -m comment --comment "paas:pt1"',
      '-A INPUT -i pa-pt1 -m comment --comment paas:pt1 -j DROP',
    ]);
    expect(ourLines(listing, 'pt10')).toEqual(['-A INPUT -i pa-pt10 -m comment --comment "paas:pt10" -j DROP']);
    expect(deleteArgs('-A INPUT -i pa-pt10 -m comment --comment "paas:pt10" -j DROP')).toEqual([
      '-D',
      'INPUT',
      '-i',
      'pa-pt10',
      '-m',
      'comment',
      '--comment',
      'paas:pt10',
      '-j',
      'DROP',
    ]);
  });
});

/**
 * iptables as a list of lines per chain, rendering rules the way `iptables -S` does with the comment last-but-target.
 */
function fakeIptables(): { ipt: Iptables; chains: Map<string, string[]>; calls: string[][] } {
  const chains = new Map<string, string[]>([
    ['INPUT', []],
    ['DOCKER-USER', ['-A DOCKER-USER -j RETURN']],
  ]);
  const calls: string[][] = [];
  const render = (chain: string, args: string[]) =>
    `-A ${chain} ${args.map((a) => (a.includes(':') && !a.includes('/') ? `"${a}"` : a)).join(' ')}`;
  const ipt: Iptables = async (args) => {
    calls.push(args);
    const [op, chain = '', ...rest] = args;
    const lines = chains.get(chain) ?? [];
    if (op === '-S') return [`-N ${chain}`, ...lines].join('\n');
    if (op === '-I') {
      lines.splice(Number(rest[0]) - 1, 0, render(chain, rest.slice(1)));
      return '';
    }
    const line = render(chain, rest);
    const i = lines.indexOf(line);
    if (op === '-C') {
      if (i < 0) throw new Error('no such rule');
      return '';
    }
    if (op === '-D') {
      if (i < 0) throw new Error('no such rule');
      lines.splice(i, 1);
      return '';
    }
    throw new Error(`unexpected ${op}`);
  };
  return { ipt, chains, calls };
}

describe('Firewall', () => {
  const rules = isolationRules({ bridge: 'pa-x', routerPorts: [80] });

  it('inserts the rules in order, then leaves them alone while they stay', async () => {
    const f = fakeIptables();
    const fw = new Firewall(f.ipt, 'x', rules);
    expect(await fw.apply()).toEqual(['INPUT', 'DOCKER-USER']);
    expect(f.chains.get('INPUT')?.map((l) => l.split(' ').slice(2, 6).join(' '))).toEqual([
      '-i pa-x -m conntrack',
      '-i pa-x -p tcp',
      '-i pa-x -j DROP',
    ]);
    expect(f.chains.get('DOCKER-USER')?.at(-1)).toBe('-A DOCKER-USER -j RETURN');
    f.calls.length = 0;
    expect(await fw.apply()).toEqual([]);
    expect(f.calls.every((c) => c[0] === '-S')).toBe(true);
  });

  it('puts the block back when a rule is gone or another was slipped between them', async () => {
    const f = fakeIptables();
    const fw = new Firewall(f.ipt, 'x', rules);
    await fw.apply();
    const input = f.chains.get('INPUT') as string[];
    const full = [...input];
    input.splice(2, 1); // the DROP deleted by hand
    expect(await fw.apply()).toEqual(['INPUT']);
    expect(f.chains.get('INPUT')).toEqual(full);
    (f.chains.get('INPUT') as string[]).splice(1, 0, '-A INPUT -i pa-x -j ACCEPT'); // an ACCEPT slipped in before our DROP
    expect(await fw.apply()).toEqual(['INPUT']);
    expect(f.chains.get('INPUT')?.slice(0, 3)).toEqual(full);
  });

  it("does not move its rules for another cluster's, inserted above them", async () => {
    const f = fakeIptables();
    await new Firewall(f.ipt, 'x', rules).apply();
    const fw = new Firewall(f.ipt, 'x', rules);
    await new Firewall(f.ipt, 'y', isolationRules({ bridge: 'pa-y', routerPorts: [80] })).apply();
    expect(await fw.apply()).toEqual([]);
  });
});
