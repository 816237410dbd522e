import { describe, expect, it } from 'vitest';
import { PaasError } from '../../../services/core/errors.js';
import { MAX_TAGS, parseTagChanges, parseTagSet } from '../../../services/core/tags.js';
import {
  allocatedOf,
  hostView,
  mergeOverride,
  parseHostTagsPatch,
  parsePool,
} from '../../../services/controller/hosts/hosts.js';
import { parseAppPatch } from '../../../services/controller/apps/lifecycle.js';
import type { Host } from '../../../services/core/types.js';

// Host views, tag overrides and pools: the pure parts.

function refusal(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (err) {
    if (err instanceof PaasError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

describe('tag validation', () => {
  it('accepts lowercase keys and plain values', () => {
    expect(parseTagSet({ pool: 'high', 'zone.a_b-1': 'EU-west_1.2' })).toEqual({
      pool: 'high',
      'zone.a_b-1': 'EU-west_1.2',
    });
    expect(parseTagSet({})).toEqual({});
    expect(parseTagChanges({ ssd: null, pool: 'high' })).toEqual({ ssd: null, pool: 'high' });
    expect(parseTagSet(many(MAX_TAGS))).toEqual(many(MAX_TAGS));
  });
  it('refuses bad keys, bad values, too many and the wrong shape, naming the tag', () => {
    expect(refusal(() => parseTagSet({ Pool: 'x' }))).toEqual({
      code: 'invalid_params',
      message:
        'Invalid tag key "Pool": use 1 to 63 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
    });
    expect(refusal(() => parseTagSet({ '-x': 'x' })).message).toContain('Invalid tag key "-x"');
    expect(refusal(() => parseTagSet({ ['k'.repeat(64)]: 'x' })).message).toContain('Invalid tag key');
    expect(refusal(() => parseTagSet({ pool: 'a b' })).message).toBe(
      'Invalid value "a b" for tag pool: use 1 to 63 letters, digits, ".", "_" or "-"',
    );
    expect(refusal(() => parseTagSet({ pool: '' })).message).toContain('Invalid value "" for tag pool');
    expect(refusal(() => parseTagSet({ pool: 1 })).message).toContain('Invalid value 1 for tag pool');
    expect(refusal(() => parseTagSet({ pool: null })).message).toContain('Invalid value null for tag pool');
    expect(refusal(() => parseTagSet(many(MAX_TAGS + 1))).message).toBe('Too many tags (33); the limit is 32');
    expect(refusal(() => parseTagSet(['pool=high'])).message).toContain('pool must be an object');
    expect(refusal(() => parseTagChanges({})).message).toContain('Nothing to change');
  });
});

describe('host views', () => {
  const host: Host = {
    id: 'h1',
    address: '10.0.0.1',
    tags: { pool: 'shared', ssd: 'true' },
    capacity: { memoryMb: 4096, cpus: 2 },
    registeredAt: 't',
  };
  it('sums allocations', () => {
    expect(allocatedOf([])).toEqual({ memory_mb: 0, cpu_shares: 0, containers: 0 });
    expect(
      allocatedOf([
        { memoryMb: 512, cpuShares: 1024 },
        { memoryMb: 256, cpuShares: 256 },
      ]),
    ).toEqual({ memory_mb: 768, cpu_shares: 1280, containers: 2 });
  });
  it('applies overrides over the agent tags and keeps both visible', () => {
    const v = hostView(
      'h1',
      { ...host, used: { memoryMb: 100, cpus: 0.5 } },
      { tags: { pool: 'high', ssd: null, gpu: 'a100' }, updatedAt: 'u' },
    );
    expect(v).toEqual({
      id: 'h1',
      address: '10.0.0.1',
      tags: { pool: 'high', gpu: 'a100' },
      agent_tags: { pool: 'shared', ssd: 'true' },
      tag_overrides: { pool: 'high', ssd: null, gpu: 'a100' },
      capacity: { memory_mb: 4096, cpus: 2 },
      placement_capacity: null,
      allocated: { memory_mb: 0, cpu_shares: 0, containers: 0 },
      used: { memory_mb: 100, cpus: 0.5 },
      registered_at: 't',
      state: 'up',
    });
    expect(hostView('h1', host, undefined).used).toBeNull();
    expect(hostView('gone', undefined, { tags: { pool: 'high' }, updatedAt: 'u' })).toMatchObject({
      state: 'down',
      address: null,
      capacity: null,
      tags: { pool: 'high' },
    });
  });
  it('shows the capacity placement counts when the scheduler told it', () => {
    const placement = { policy: 'balanced', cpuOvercommit: 16, memoryOvercommit: 1.5, scheduler: 's', updatedAt: 'u' };
    expect(hostView('h1', host, undefined, undefined, placement).placement_capacity).toEqual({
      memory_mb: 6144,
      cpus: 32,
    });
    expect(
      hostView('gone', undefined, { tags: {}, updatedAt: 'u' }, undefined, placement).placement_capacity,
    ).toBeNull();
  });
  it('merges a change into the override, null kept as a removal', () => {
    expect(mergeOverride({ pool: 'high', ssd: null }, { ssd: 'true', gpu: null })).toEqual({
      pool: 'high',
      ssd: 'true',
      gpu: null,
    });
    expect(refusal(() => mergeOverride(many(MAX_TAGS), { extra: 'x' })).message).toBe(
      'Too many tag overrides on this host (33); the limit is 32',
    );
  });
  it('parses the PATCH bodies', () => {
    expect(parseHostTagsPatch({ tags: { ssd: null } })).toEqual({ ssd: null });
    expect(refusal(() => parseHostTagsPatch({})).message).toContain('{"tags": {"key": "value" | null}}');
    expect(parsePool(undefined)).toBeUndefined();
    expect(parsePool(null)).toBeNull();
    expect(parsePool({})).toBeNull();
    expect(parsePool({ pool: 'high' })).toEqual({ pool: 'high' });
    expect(parseAppPatch({ pool: { pool: 'high' } })).toEqual({ pool: { pool: 'high' } });
    expect(parseAppPatch({ pool: null, maintenance: true })).toEqual({ pool: null, maintenance: true });
    expect(refusal(() => parseAppPatch({ pool: { pool: 'x' }, name: 'new-name' })).message).toBe(
      'Change the name and the pool in separate requests',
    );
    expect(refusal(() => parseAppPatch({})).message).toContain('"pool"');
  });
});
