import { describe, expect, it } from 'vitest';
import { cleanupPlan, parseInventory, type KeepRules, type LocalImage } from '../../../services/builder/cleanup/cleanup.js';
import { keptReleaseImages } from '../../../services/core/images.js';
import { isDiskFull, isForkFailure, limitHit, limitMessage, nanoCpus } from '../../../services/builder/build/limits.js';
import { BuildQueue } from '../../../services/builder/build/queue.js';
import { chunkLines, PhaseTimer } from '../../../services/builder/build/records.js';

describe('chunkLines', () => {
  it('splits lines into chunks of at most maxBytes (a newline each)', () => {
    expect(chunkLines(['aa', 'bb', 'cc'], 6)).toEqual([['aa', 'bb'], ['cc']]);
    expect(chunkLines([], 6)).toEqual([]);
  });
  it('cuts a line too long for one chunk', () => {
    expect(chunkLines(['abcdefgh'], 4)).toEqual([['abc']]);
  });
});

describe('PhaseTimer', () => {
  it('times each phase until the next starts, and adds a phase entered twice', () => {
    let t = 0;
    const timer = new PhaseTimer(() => t);
    timer.start('fetch');
    t = 10;
    timer.start('compile');
    t = 25;
    timer.start('fetch');
    t = 27;
    timer.end();
    timer.end();
    expect(timer.phases).toEqual({ fetch: 12, compile: 15 });
  });
});

describe('limits', () => {
  const limits = { memoryMb: 2048, cpus: 2, pids: 512, timeoutS: 900 };
  it('says which limit', () => {
    expect(limitMessage('memory', limits)).toBe('it ran out of memory (limit 2048 MB; PAAS_BUILD_MEMORY_MB)');
    expect(limitMessage('time', limits)).toBe('it took longer than 900 s (PAAS_BUILD_TIMEOUT_S)');
    expect(limitMessage('pids', limits)).toBe('it started too many processes (limit 512; PAAS_BUILD_PIDS)');
  });
  it('tells time before memory before processes; a fork failure of a build that passed is nothing', () => {
    expect(limitHit({ timedOut: true, oomKilled: true, forkFailed: true, exitCode: 137 })).toBe('time');
    expect(limitHit({ timedOut: false, oomKilled: true, forkFailed: true, exitCode: 11 })).toBe('memory');
    expect(limitHit({ timedOut: false, oomKilled: false, forkFailed: true, exitCode: 11 })).toBe('pids');
    expect(limitHit({ timedOut: false, oomKilled: false, forkFailed: true, exitCode: 0 })).toBeUndefined();
    expect(limitHit({ timedOut: false, oomKilled: false, forkFailed: false, exitCode: 11 })).toBeUndefined();
  });
  it('recognises a failed fork', () => {
    expect(isForkFailure('bash: fork: retry: Resource temporarily unavailable')).toBe(true);
    expect(isForkFailure('Error: spawn EAGAIN')).toBe(true);
    expect(isForkFailure('Error: spawn sleep EAGAIN')).toBe(true);
    expect(isForkFailure('added 50 packages')).toBe(false);
  });
  it('tells a build that filled its disk, after the other limits, and says which settings bound it', () => {
    expect(limitHit({ timedOut: false, oomKilled: false, forkFailed: false, diskFull: true, exitCode: 1 })).toBe('disk');
    expect(limitHit({ timedOut: false, oomKilled: true, forkFailed: false, diskFull: true, exitCode: 137 })).toBe('memory');
    expect(limitHit({ timedOut: false, oomKilled: false, forkFailed: false, diskFull: true, exitCode: 0 })).toBeUndefined();
    expect(isDiskFull("dd: error writing '/tmp/build/fill': No space left on device")).toBe(true);
    expect(isDiskFull('npm ERR! code ENOSPC')).toBe(true);
    expect(isDiskFull('added 50 packages')).toBe(false);
    expect(limitMessage('disk', { ...limits, diskMb: 8192, cacheMb: 4096 })).toBe('it ran out of disk space (limits: 8192 MB for the build, 4096 MB for its cache; PAAS_BUILD_DISK_MB, PAAS_BUILD_CACHE_MB)');
  });
  it('converts CPUs to NanoCpus', () => {
    expect(nanoCpus(1.5)).toBe(1_500_000_000);
  });
});

describe('BuildQueue.waitReason', () => {
  it('says what a push waits for', async () => {
    const q = new BuildQueue(2);
    expect(q.waitReason('a')).toBeUndefined();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const one = q.run('a', () => gate);
    const two = q.run('b', () => gate);
    await new Promise((r) => setTimeout(r, 0));
    expect(q.waitReason('a')).toBe('Waiting for the previous build of a to finish...');
    expect(q.waitReason('c')).toBe('Waiting for a build slot (2 builds running)...');
    release();
    await Promise.all([one, two]);
    await new Promise((r) => setTimeout(r, 0));
    expect(q.waitReason('c')).toBeUndefined();
  });
});

describe('keeping the last N release images', () => {
  const img = (tag: string, app = 'web', build = tag): LocalImage => ({ id: `sha256:${tag}`, tags: [`c/app-${app}:${tag}`], app, build });
  const none: KeepRules = { releases: 2, inUse: new Set(), activeBuilds: new Set() };
  const releases = [
    { version: 4, image: 'c/app-web:b3' },
    { version: 3, image: 'c/app-web:b3' },
    { version: 2, image: 'c/app-web:b2' },
    { version: 1, image: 'c/app-web:b1' },
  ];

  it('walks releases newest first to N distinct images', () => {
    expect(keptReleaseImages(releases, 2)).toEqual(['c/app-web:b3', 'c/app-web:b2']);
    expect(keptReleaseImages([...releases].reverse(), 1)).toEqual(['c/app-web:b3']);
  });

  it('removes older images of an app, not those in use or of a build in progress', () => {
    const local = { repos: [], caches: [], images: [img('b1'), img('b2'), img('b3'), img('b0'), img('b9')] };
    const inv = [{ name: 'web', images: [], releases }];
    expect(cleanupPlan(local, inv, none).images).toEqual(['c/app-web:b0', 'c/app-web:b1', 'c/app-web:b9']);
    expect(cleanupPlan(local, inv, { ...none, inUse: new Set(['sha256:b1']), activeBuilds: new Set(['b9']) }).images).toEqual(['c/app-web:b0']);
  });

  it('keeps every image of an app without release information, and all without keep rules', () => {
    const local = { repos: [], caches: [], images: [img('b1')] };
    expect(cleanupPlan(local, [{ name: 'web', images: [] }], none).images).toEqual([]);
    expect(cleanupPlan(local, [{ name: 'web', images: [], releases }]).images).toEqual([]);
  });

  it('parses the releases of the inventory, refusing a malformed one', () => {
    expect(parseInventory([{ name: 'web', images: ['x'], releases: [{ version: 1, image: 'x' }] }])).toEqual([{ name: 'web', images: ['x'], releases: [{ version: 1, image: 'x' }] }]);
    expect(parseInventory([{ name: 'web', images: [], releases: [{ version: '1', image: 'x' }] }])).toBeUndefined();
  });
});
