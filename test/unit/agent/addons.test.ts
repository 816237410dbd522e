import { describe, expect, it } from 'vitest';
import type { AddonAssignment } from '../../../services/core/addons.js';
import {
  addonContainerSpec,
  addonNetworkSpec,
  addonSpecDigest,
  addonVolumeName,
  containerAction,
  networkChanges,
  restartDelayMs,
  volumesPastGrace,
} from '../../../services/agent/addons/spec.js';
import { LABEL } from '../../../services/agent/spec.js';

const a: AddonAssignment = {
  name: 'paas-postgresql-aqua',
  host: 'h1',
  kind: 'postgresql',
  addonId: '0123abcd-4567-89ef-0123-456789abcdef',
  app: 'shop',
  memoryMb: 256,
  cpuShares: 256,
  password: 'pw',
  apps: ['reports', 'shop'],
  createdAt: 'T',
};
const ctx = { cluster: 'paas', hostId: 'h1', image: 'paas/addon:abc', pidsLimit: 256 };

describe("an add-on's container", () => {
  const spec = addonContainerSpec(a, ctx);

  it("runs unprivileged with its plan's limits, its data on the add-on's volume", () => {
    expect(spec.User).toBe('1100:1100');
    expect(spec.HostConfig).toMatchObject({
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      CpuShares: 256,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'no' },
    });
    expect(spec.HostConfig.Mounts).toEqual([
      { Type: 'volume', Source: 'paas-addon-paas-postgresql-aqua-0123abcd4567', Target: '/var/lib/paas-addon/data' },
    ]);
    expect(addonVolumeName('paas', { ...a, addonId: 'ffff' })).not.toBe(addonVolumeName('paas', a));
  });

  it('is on its own internal network under its name, publishes nothing, and never carries the apps’ labels', () => {
    expect(spec.HostConfig.NetworkMode).toBe('paas-addon-paas-postgresql-aqua');
    expect(spec.NetworkingConfig.EndpointsConfig['paas-addon-paas-postgresql-aqua']).toEqual({
      Aliases: ['paas-postgresql-aqua'],
    });
    expect(spec).not.toHaveProperty('ExposedPorts');
    expect(spec.HostConfig).not.toHaveProperty('PortBindings');
    expect(Object.keys(spec.Labels)).not.toContain(LABEL.cluster);
    expect(Object.keys(spec.Labels)).not.toContain(LABEL.host);
    expect(addonNetworkSpec(a, ctx)).toMatchObject({ Internal: true, Name: 'paas-addon-paas-postgresql-aqua' });
  });

  it('is made again when its image, plan or password change, not when the attached apps do', () => {
    const d = addonSpecDigest(a, ctx);
    expect(addonSpecDigest({ ...a, apps: ['shop'], createdAt: 'later' }, ctx)).toBe(d);
    expect(addonSpecDigest({ ...a, memoryMb: 1024 }, ctx)).not.toBe(d);
    expect(addonSpecDigest(a, { image: 'paas/addon:new' })).not.toBe(d);
    expect(containerAction(d, undefined)).toBe('create');
    expect(containerAction(d, { digest: 'other', running: true })).toBe('replace');
    expect(containerAction(d, { digest: d, running: false })).toBe('start');
    expect(containerAction(d, { digest: d, running: true })).toBe('keep');
  });

  it('is started again after a crash with a doubling delay, at most 30 s', () => {
    expect([1, 2, 3, 6, 20].map(restartDelayMs)).toEqual([1000, 2000, 4000, 30_000, 30_000]);
  });
});

describe('networkChanges', () => {
  const nets = new Map([
    ['pg', 'paas-addon-pg'],
    ['redis', 'paas-addon-redis'],
  ]);
  const attached = new Map([
    ['pg', ['shop', 'reports']],
    ['redis', ['shop']],
  ]);

  it("connects the attached apps' containers to their add-ons' networks and the others off them", () => {
    const out = networkChanges(
      [
        { id: 'c1', app: 'shop', networks: ['paas-apps'] },
        { id: 'c2', app: 'reports', networks: ['paas-apps', 'paas-addon-pg', 'paas-addon-redis'] },
        { id: 'c3', app: 'other', networks: ['paas-apps', 'paas-addon-pg'] },
      ],
      attached,
      nets,
    );
    expect(out.connect).toEqual([
      { container: 'c1', network: 'paas-addon-pg', addon: 'pg' },
      { container: 'c1', network: 'paas-addon-redis', addon: 'redis' },
    ]);
    expect(out.disconnect).toEqual([
      { container: 'c2', network: 'paas-addon-redis' },
      { container: 'c3', network: 'paas-addon-pg' },
    ]);
  });

  it('changes nothing once every container is where it belongs', () => {
    const out = networkChanges(
      [{ id: 'c1', app: 'shop', networks: ['paas-addon-pg', 'paas-addon-redis'] }],
      attached,
      nets,
    );
    expect(out).toEqual({ connect: [], disconnect: [] });
  });
});

describe('volumesPastGrace', () => {
  it('keeps the volumes of assigned add-ons, and the others until their grace period is over', () => {
    const first = volumesPastGrace(['a', 'gone'], new Set(['a']), new Map(), 1000, 500);
    expect(first).toEqual({ remove: [], seen: new Map([['gone', 1000]]) });
    expect(volumesPastGrace(['a', 'gone'], new Set(['a']), first.seen, 1499, 500).remove).toEqual([]);
    expect(volumesPastGrace(['a', 'gone'], new Set(['a']), first.seen, 1500, 500)).toEqual({
      remove: ['gone'],
      seen: new Map(),
    });
    // assigned again (never happens for an add-on's own volume, which names its id): forgotten
    expect(volumesPastGrace(['gone'], new Set(['gone']), first.seen, 9999, 500)).toEqual({
      remove: [],
      seen: new Map(),
    });
  });
});
