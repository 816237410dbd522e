import { describe, expect, it } from 'vitest';
import { inNetns, linkNames, NETNS } from '../../../services/agent/isolation/netns.js';
import { loadConfig } from '../../../services/agent/config.js';

describe('an engine in another network namespace (isolation/netns.ts)', () => {
  it('runs commands through nsenter into the namespace, network only, or as they are without one', () => {
    expect(inNetns('paas-h1', 'iptables', ['-w', '5', '-S', 'INPUT'])).toEqual([
      'nsenter',
      ['--net=/run/netns/paas-h1', 'iptables', '-w', '5', '-S', 'INPUT'],
    ]);
    expect(inNetns(undefined, 'tc', ['qdisc'])).toEqual(['tc', ['qdisc']]);
  });

  it("finds interfaces by index in `ip -o link`'s lines", () => {
    const out = [
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT',
      '2: paas-h1-b@if12807: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500',
      '14: veth3c1e2a1@if13: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master pa-paas',
      '    link/ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff link-netnsid 0',
    ].join('\n');
    const names = linkNames(out);
    expect(names.get(14)).toBe('veth3c1e2a1');
    expect(names.get(2)).toBe('paas-h1-b');
    expect(names.get(13)).toBeUndefined();
  });

  it('takes PAAS_AGENT_NETNS from the environment, and refuses a name nsenter could misread', () => {
    expect(loadConfig({ PAAS_AGENT_NETNS: 'paas-h2' }).netns).toBe('paas-h2');
    expect(loadConfig({}).netns).toBeUndefined();
    expect(() => loadConfig({ PAAS_AGENT_NETNS: '../x' })).toThrow(/PAAS_AGENT_NETNS/);
    expect(NETNS.test('-h')).toBe(false);
  });
});
