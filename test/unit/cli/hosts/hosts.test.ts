import { describe, expect, it } from 'vitest';
import { parsePoolArgs, poolText } from '../../../../cli/commands/apps/pool.js';
import type { HostView } from '../../../../services/core/api.js';
import { cpuText, hostInfoText, hostsTable, memoryText, tagsText } from '../../../../cli/commands/hosts/format.js';
import { parseTagArgs } from '../../../../cli/commands/hosts/tag.js';

// hosts, hosts:info, hosts:tag and apps:pool: argument parsing and text, pure.

const host = (over: Partial<HostView> = {}): HostView => ({
  id: 'host-1',
  address: '127.0.0.1',
  tags: { ssd: 'true', pool: 'high' },
  agent_tags: { pool: 'shared', ssd: 'true' },
  tag_overrides: { pool: 'high', gpu: null },
  capacity: { memory_mb: 8192, cpus: 4 },
  placement_capacity: null,
  allocated: { memory_mb: 1536, cpu_shares: 2560, containers: 3 },
  used: { memory_mb: 300.456, cpus: 0.25 },
  registered_at: '2024-05-01T10:20:30.123Z',
  state: 'up',
  ...over,
});

describe('parseTagArgs', () => {
  it('sets with key=value and removes with key-', () => {
    expect(parseTagArgs(['pool=high', 'ssd-', 'zone=a=b'])).toEqual({ pool: 'high', ssd: null, zone: 'a=b' });
    expect(parseTagArgs(['empty='])).toEqual({ empty: '' });
  });
  it('refuses what is neither, a key given twice, and nothing at all', () => {
    expect(() => parseTagArgs(['pool'])).toThrow('"pool" is not key=value (to set a tag) or key- (to remove one)');
    expect(() => parseTagArgs(['=high'])).toThrow('is not key=value');
    expect(() => parseTagArgs(['-'])).toThrow('is not key=value');
    expect(() => parseTagArgs(['pool=a', 'pool-'])).toThrow('The tag pool is given twice');
    expect(() => parseTagArgs([])).toThrow('Give at least one tag');
  });
});

describe('parsePoolArgs', () => {
  it('takes a first argument without = as the app', () => {
    expect(parsePoolArgs(['my-app', 'pool=high', 'ssd=true'], undefined)).toEqual({
      app: 'my-app',
      pool: { pool: 'high', ssd: 'true' },
    });
    expect(parsePoolArgs(['my-app'], undefined)).toEqual({ app: 'my-app', pool: {} });
  });
  it('else uses -a (or nothing: the git remote decides)', () => {
    expect(parsePoolArgs(['pool=high'], 'other')).toEqual({ app: 'other', pool: { pool: 'high' } });
    expect(parsePoolArgs([], undefined)).toEqual({ app: undefined, pool: {} });
    expect(parsePoolArgs(['my-app', 'pool=x'], 'my-app').app).toBe('my-app');
  });
  it('refuses two different apps, a non key=value tag and a key twice', () => {
    expect(() => parsePoolArgs(['my-app', 'pool=x'], 'other')).toThrow('Two apps given: my-app and --app other');
    expect(() => parsePoolArgs(['my-app', 'high'], undefined)).toThrow('"high" is not key=value');
    expect(() => parsePoolArgs(['pool=a', 'pool=b'], 'x')).toThrow('The tag pool is given twice');
  });
});

describe('host text', () => {
  it('shows memory and CPU as used/allocated/capacity', () => {
    expect(memoryText(host())).toBe('300.46/1536/8192 MB');
    expect(cpuText(host())).toBe('0.25/2.5/4');
    expect(memoryText(host({ used: null, capacity: null }))).toBe('-/1536/- MB');
    expect(cpuText(host({ used: null }))).toBe('-/2.5/4');
  });
  it('counts allocations against the capacity placement counts, and says so', () => {
    const h = host({ placement_capacity: { memory_mb: 8192, cpus: 64 } });
    expect(cpuText(h)).toBe('0.25/2.5/64');
    expect(memoryText(h)).toBe('300.46/1536/8192 MB');
    expect(hostsTable([h]).split('\n').at(-1)).toBe(
      'cap: as placement counts it (4 CPUs × 16: PAAS_SCHEDULER_CPU_OVERCOMMIT, PAAS_SCHEDULER_MEMORY_OVERCOMMIT)',
    );
    expect(hostInfoText(h)).toMatch(
      /CPU: +0\.25\/2\.5\/64 \(used\/allocated\/capacity; placement counts 4 CPUs × 16\)/,
    );
    expect(hostInfoText(h)).toMatch(/Memory: +300\.46\/1536\/8192 MB \(used\/allocated\/capacity\)$/m);
    expect(hostsTable([host()])).not.toContain('cap:');
  });

  it('lists hosts in a table, tags sorted', () => {
    const lines = hostsTable([
      host(),
      host({ id: 'host-2', tags: {}, allocated: { memory_mb: 0, cpu_shares: 0, containers: 0 }, used: null }),
    ]).split('\n');
    expect(lines[0]).toMatch(/^ID +ADDRESS +TAGS +MEMORY \(used\/alloc\/cap\) +CPU \(used\/alloc\/cap\) +CONTAINERS$/);
    expect(lines[2]).toMatch(/^host-1 +127\.0\.0\.1 +pool=high,ssd=true +300\.46\/1536\/8192 MB +0\.25\/2\.5\/4 +3$/);
    expect(lines[3]).toMatch(/^host-2 +127\.0\.0\.1 +- +-\/0\/8192 MB +-\/0\/4 +0$/);
    expect(hostsTable([])).toBe('No hosts are registered.');
  });
  it('shows one host with where its tags come from', () => {
    const text = hostInfoText(host());
    expect(text).toContain('=== host-1');
    expect(text).toMatch(/Tags: +pool=high,ssd=true/);
    expect(text).toMatch(/Agent tags: +pool=shared,ssd=true/);
    expect(text).toMatch(/Overrides: +gpu-,pool=high/);
    expect(text).toMatch(/Registered: +2024\/05\/01 10:20:30 UTC/);
    expect(hostInfoText(host({ state: 'down', address: null, registered_at: null }))).toMatch(
      /State: +down\nAddress: +-/,
    );
  });
  it('says what an app requires', () => {
    expect(poolText('my-app', { ssd: 'true', pool: 'high' })).toBe('=== my-app Pool\npool=high,ssd=true');
    expect(poolText('my-app', null)).toBe('my-app has no pool: its containers may run on any host.');
    expect(tagsText({})).toBe('');
  });
});
