import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchRun } from '../../../bench/run.js';
import { CLI } from '../../support/run.js';
import { startRunPlatform, type RunPlatform } from './harness.js';

// bench/run.ts against the in-process platform: `paas run echo hi` through
// the built CLI, timed; the figures are printed for docs/benchmarks.md.

let p: RunPlatform;
beforeAll(async () => {
  p = await startRunPlatform('runbench');
});
afterAll(async () => {
  await p?.close();
});

describe('paas run latency', () => {
  it('prints hi within 2 s (median over 5 runs)', async () => {
    const r = await benchRun(p.app, 5, { ...process.env, ...p.env }, CLI);
    process.stdout.write(`${JSON.stringify(r)}\n`);
    expect(r.failures).toBe(0);
    expect(r.output_median_ms).toBeLessThan(2000);
  });
});
