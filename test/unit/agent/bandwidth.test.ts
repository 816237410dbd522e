import { describe, expect, it } from 'vitest';
import { burstBytes, peerIndex, ratesOf, tbfArgs } from '../../../services/agent/isolation/bandwidth.js';
import { containerSpec } from '../../../services/agent/spec.js';
import { SIZES } from '../../../services/core/sizes.js';
import type { Assignment } from '../../../services/core/types.js';

describe('bandwidth per dyno (pure parts)', () => {
  it('every size has egress and ingress rates, growing with the size', () => {
    for (const s of SIZES) {
      expect(s.egressMbit).toBeGreaterThan(0);
      expect(s.ingressMbit).toBeGreaterThan(0);
    }
    const e = SIZES.map((s) => s.egressMbit);
    expect([...e].sort((a, b) => a - b)).toEqual(e);
  });

  it('containerSpec carries the rates as labels, read back by ratesOf; none without rates', () => {
    const a: Assignment = {
      id: 'shop.web.1.v1',
      host: 'h',
      app: 'shop',
      release: 1,
      type: 'web',
      index: 1,
      image: 'i',
      command: 'c',
      env: {},
      port: 5000,
      memoryMb: 256,
      cpuShares: 256,
      egressMbit: 50,
      ingressMbit: 60,
      createdAt: '2026-01-01T00:00:00Z',
    };
    const ctx = { cluster: 'paas', hostId: 'h', hostAddress: '127.0.0.1', pidsLimit: 256 };
    const labels = containerSpec(a, ctx).Labels as Record<string, string>;
    expect(labels['paas.egress-mbit']).toBe('50');
    expect(labels['paas.ingress-mbit']).toBe('60');
    expect(ratesOf(labels)).toEqual({ egressMbit: 50, ingressMbit: 60 });
    const { egressMbit: _e, ingressMbit: _i, ...unshaped } = a;
    expect(ratesOf(containerSpec(unshaped, ctx).Labels as Record<string, string>)).toBeUndefined();
    expect(ratesOf({ 'paas.egress-mbit': '0', 'paas.ingress-mbit': '10' })).toBeUndefined();
    expect(ratesOf({ 'paas.egress-mbit': 'x', 'paas.ingress-mbit': '10' })).toBeUndefined();
    expect(ratesOf(undefined)).toBeUndefined();
  });

  it('a tbf root with ~20 ms of burst (at least 32 KiB)', () => {
    expect(burstBytes(400)).toBe(1_000_000);
    expect(burstBytes(1)).toBe(32 * 1024);
    expect(tbfArgs('veth1a2b', 50)).toEqual([
      'qdisc',
      'replace',
      'dev',
      'veth1a2b',
      'root',
      'tbf',
      'rate',
      '50mbit',
      'burst',
      '125000',
      'latency',
      '50ms',
    ]);
  });

  it("finds the host peer's index in the container's `ip -o link` line", () => {
    expect(peerIndex('3: eth0@if1234: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP')).toBe(1234);
    expect(peerIndex('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536')).toBeUndefined();
    expect(peerIndex('')).toBeUndefined();
  });
});
