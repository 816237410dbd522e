import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchRun } from '../../../bench/run.js';
import { CLI } from '../../support/run.js';
import { startRunPlatform, type RunPlatform } from './harness.js';

// bench/run.ts against the in-process platform: `paas run echo hi` through
// the built CLI. The test proves the benchmark works; how fast it is belongs
// to scripts/bench and docs/benchmarks.md, not to an assertion here (a timed
// assertion fails on a loaded machine and proves nothing on an idle one).

let p: RunPlatform;
beforeAll(async () => {
  p = await startRunPlatform('runbench');
});
afterAll(async () => {
  await p?.close();
});

describe('paas run latency', () => {
  it('times `paas run echo hi` over 3 runs, each printing hi', async () => {
    const r = await benchRun(p.app, 3, { ...process.env, ...p.env }, CLI);
    process.stdout.write(`${JSON.stringify(r)}\n`);
    expect(r.failures).toBe(0);
    expect(r.output_median_ms).toBeGreaterThan(0);
  });
});
