import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliHarness } from './harness.js';

// `paas status` against the real controller reading a state directory of its
// own: the table, and exit status 1 when a process is down (a script or a
// health check can rely on it).

const state = mkdtempSync(join(tmpdir(), 'paas-status-'));
const supervised = (name: string, pid: number) => {
  const dir = join(state, 'supervise', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pid'), `${pid}\n`);
  writeFileSync(join(dir, 'started'), '1796580000\n');
  writeFileSync(join(dir, 'restarts'), '0\n');
  writeFileSync(join(dir, 'supervisor'), 'runit\n');
};

let c: CliHarness;
beforeAll(async () => {
  mkdirSync(join(state, 'nginx'), { recursive: true });
  writeFileSync(join(state, 'nginx', 'nginx.pid'), `${process.pid}\n`); // the router's nginx, "up"
  c = await startCli('status', { PAAS_STATE_DIR: state, PAAS_ENGINE_DIR: join(state, 'engine') });
});
afterAll(async () => {
  await c?.close();
  rmSync(state, { recursive: true, force: true });
});

describe('paas status', () => {
  it('exits 0 while every process is up', async () => {
    supervised('controller', process.pid);
    const r = await c.paas(['status']);
    expect(r.out).toMatch(/^controller\s+up \(pid \d+\)/m);
    expect(r.code, r.err).toBe(0);
  });

  it('exits 1 with the table, and no error line, when one is down', async () => {
    supervised('scheduler', 2 ** 22 + 1); // above any pid_max: no such process
    const r = await c.paas(['status']);
    expect(r.out).toMatch(/^scheduler\s+DOWN/m);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
  });
});
