import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogShipper } from '../../../services/agent/logs/shipper.js';
import { parseL10, type IngestRecord } from '../../../services/core/logs.js';
import { docker, log, forgetCluster, RUN_IMAGE, uniqueCluster, waitFor } from '../agent/support.js';

// The agent's log shipping against the real Docker engine, into a stand-in
// /internal/logs: a container's lines arrive with its dyno, a restart of the
// shipper resumes without doubling, exits are told, and a flood is counted,
// dropped and told as L10 with the shipper's memory bounded.

const cluster = uniqueCluster();
const host = 'logs-host';
const labels = { 'paas.cluster': cluster, 'paas.host': host };
const got: IngestRecord[] = [];
let server: Server;
let apiUrl = '';
const dir = mkdtempSync(join(tmpdir(), 'paas-agentlogs-'));

async function run(name: string, script: string): Promise<string> {
  const c = await docker.createContainer({
    name: `${cluster}-${name}`,
    Image: RUN_IMAGE,
    Cmd: ['node', '-e', script],
    Labels: {
      ...labels,
      'paas.app': 'shipapp',
      'paas.assignment': `shipapp.${name}.v1`,
      'paas.type': name.split('.')[0] as string,
    },
    HostConfig: {
      LogConfig: {
        Type: 'json-file',
        Config: { 'max-size': '10m', 'max-file': '3', mode: 'non-blocking', 'max-buffer-size': '4m' },
      },
    },
  });
  await c.start();
  return c.id;
}

function shipper(rate = 1000): LogShipper {
  return new LogShipper({
    docker,
    labels,
    apiUrl,
    internalToken: 'x'.repeat(20),
    cursorFile: join(dir, 'cursors.json'),
    log,
    flushMs: 100,
    scanMs: 500,
    flood: { rate, burst: rate, maxLines: 2000, maxBytes: 1024 * 1024 },
  });
}

const lines = (dyno: string, source = 'app') =>
  got.filter((r) => r.dyno === dyno && r.source === source).map((r) => r.line);

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (b: Buffer) => (body += b.toString()));
    req.on('end', () => {
      got.push(...(JSON.parse(body) as { lines: IngestRecord[] }).lines);
      res.end('{}');
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await forgetCluster(cluster);
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('agent log shipping', () => {
  it("ships a container's lines once, across a restart of the shipper, and tells its exit", async () => {
    const s1 = shipper();
    await s1.start();
    await run(
      'web.1',
      'let i=0; const t=setInterval(()=>{console.log("line "+i); console.error("err "+i); if(++i===30){clearInterval(t); process.exit(3)}}, 50)',
    );
    await waitFor('some lines', async () => (lines('web.1').length >= 10 ? true : undefined), 30_000);
    await s1.stop();
    const s2 = shipper();
    await s2.start();
    await waitFor(
      'every line',
      async () => (lines('web.1').filter((l) => l.startsWith('line')).length >= 30 ? true : undefined),
      30_000,
    );
    await waitFor(
      'the exit',
      async () => (lines('web.1', 'paas').some((l) => l === 'Process exited with status 3') ? true : undefined),
      30_000,
    );
    await s2.stop();
    const out = lines('web.1').filter((l) => l.startsWith('line'));
    expect(out).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i}`));
    expect(lines('web.1').filter((l) => l.startsWith('err'))).toHaveLength(30);
    expect(lines('web.1', 'paas')).toContain('State changed from up to crashed');
    expect(lines('web.1', 'paas')).not.toContain('State changed from up to complete');
    expect(got.find((r) => r.dyno === 'web.1')?.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('tells a one-off that exits non-zero as complete, not crashed (as Heroku does)', async () => {
    const s = shipper();
    await s.start();
    await run('run.4321', 'console.log("once"); process.exit(2)');
    await waitFor(
      "the one-off's state",
      async () => (lines('run.4321', 'paas').some((l) => l.startsWith('State changed')) ? true : undefined),
      30_000,
    );
    await s.stop();
    expect(lines('run.4321')).toEqual(['once']);
    expect(lines('run.4321', 'paas')).toEqual(
      expect.arrayContaining(['Process exited with status 2', 'State changed from up to complete']),
    );
    expect(lines('run.4321', 'paas')).not.toContain('State changed from up to crashed');
  });

  it('counts and drops a flood, tells it as L10, and stays bounded', async () => {
    const s = shipper(500);
    const started = Date.now();
    await s.start();
    const before = process.memoryUsage().rss;
    await run(
      'worker.1',
      'const l="x".repeat(60); let n=0; const end=Date.now()+3000; function w(){ while(Date.now()<end){ for(let i=0;i<1000;i++) console.log(l+(n++)); if(!process.stdout.write("")) return process.stdout.once("drain", w);} console.log("total "+n); } w();',
    );
    await waitFor(
      'the total',
      async () =>
        lines('worker.1').some((l) => l.startsWith('total')) ||
        (got.some((r) => r.dyno === 'worker.1' && parseL10(r.line)) && Date.now() > 0)
          ? true
          : undefined,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    await s.stop();
    const delivered = lines('worker.1').length;
    const dropped = got
      .filter((r) => r.dyno === 'worker.1')
      .map((r) => parseL10(r.line) ?? 0)
      .reduce((a, b) => a + b, 0);
    expect(dropped).toBeGreaterThan(1000);
    // A token bucket: at most the burst (500) plus the rate (500/s) over the time the shipper ran.
    expect(delivered).toBeLessThanOrEqual(500 + 500 * ((Date.now() - started) / 1000));
    expect(s.dropped).toBeGreaterThanOrEqual(dropped);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });
});
