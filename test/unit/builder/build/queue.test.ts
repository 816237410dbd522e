import { describe, expect, it } from 'vitest';
import { BuildQueue } from '../../../../services/builder/build/queue.js';

/** A job that records when it starts and finishes only when released by the test. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const job = async () => {
    log.push(`start ${name}`);
    await opened;
    log.push(`end ${name}`);
    return name;
  };
  return { job, open };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('BuildQueue', () => {
  it('runs builds of one app one after another', async () => {
    const q = new BuildQueue(4);
    const log: string[] = [];
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const p1 = q.run('a', a1.job);
    const p2 = q.run('a', a2.job);
    await tick();
    expect(log).toEqual(['start a1']);
    expect(q.busy('a')).toBe(true);
    a1.open();
    await p1;
    await tick();
    expect(log).toEqual(['start a1', 'end a1', 'start a2']);
    a2.open();
    expect(await p2).toBe('a2');
    await tick();
    expect(q.busy('a')).toBe(false);
  });

  it('runs other apps in parallel up to the limit', async () => {
    const q = new BuildQueue(2);
    const log: string[] = [];
    const jobs = ['a', 'b', 'c'].map((n) => gate(log, n));
    const ps = jobs.map((j, i) => q.run(['a', 'b', 'c'][i] as string, j.job));
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    expect(q.busy('c')).toBe(true);
    jobs[1]?.open();
    await ps[1];
    await tick();
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    jobs[0]?.open();
    jobs[2]?.open();
    expect(await Promise.all(ps)).toEqual(['a', 'b', 'c']);
  });

  it('goes on after a failed build', async () => {
    const q = new BuildQueue(1);
    await expect(q.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await q.run('a', async () => 'next')).toBe('next');
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
