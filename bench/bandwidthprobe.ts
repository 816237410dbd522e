import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import type { DockerRuntime } from '../services/agent/docker.js';

// What bench/bandwidth.ts and the agent's bandwidth test share: a server on
// the host (on Docker's default bridge gateway) that counts what it is sent
// (/sink) and sends for a while (/source), and a container of the run stack
// that pushes to it, then pulls from it, for `seconds` each, created and
// started through the agent's DockerRuntime (which shapes it after its start).

// Inside the container: `node -e SCRIPT URL SECONDS`: PUT for SECONDS, then GET for SECONDS; prints "egress_mbit
// ingress_mbit".
export const PROBE_SCRIPT = `
const http = require('http');
const [url, secs] = [process.argv[1], Number(process.argv[2])];
const chunk = Buffer.alloc(64 * 1024, 120);
async function main() {
  let t0 = Date.now();
  const sentBox = { n: 0 };
  await new Promise((resolve, reject) => {
    const req = http.request(url + '/sink', { method: 'PUT' }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => { sentBox.n = Number(b); resolve(); }); });
    req.on('error', reject);
    const pump = () => {
      while (Date.now() - t0 < secs * 1000) { if (!req.write(chunk)) return req.once('drain', pump); }
      req.end();
    };
    pump();
  });
  const egress = (sentBox.n * 8) / ((Date.now() - t0) / 1000) / 1e6;
  t0 = Date.now();
  let got = 0;
  await new Promise((resolve, reject) => {
    http.get(url + '/source?seconds=' + secs, (res) => { res.on('data', (d) => (got += d.length)); res.on('end', resolve); res.on('error', reject); }).on('error', reject);
  });
  const ingress = (got * 8) / ((Date.now() - t0) / 1000) / 1e6;
  console.log(egress.toFixed(1) + ' ' + ingress.toFixed(1));
}
main().catch((e) => { console.error(e); process.exit(1); });
`;

export interface Probe {
  /** One container with these labels: the rates it achieved, Mbit/s. */
  measure(labels: Record<string, string>): Promise<{ egress: number; ingress: number }>;
  /** Removes the containers made and stops the server. */
  close(): Promise<void>;
}

export async function startProbe(docker: Docker, rt: DockerRuntime, image: string, seconds: number): Promise<Probe> {
  const block = Buffer.alloc(64 * 1024, 121);
  const server = createServer((req, res) => {
    if (req.url === '/sink') {
      let n = 0;
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => res.end(String(n)));
      return;
    }
    const until = Date.now() + Number(new URL(req.url ?? '/', 'http://x').searchParams.get('seconds') ?? 1) * 1000;
    const pump = () => {
      while (Date.now() < until) if (!res.write(block)) return res.once('drain', pump);
      res.end();
    };
    pump();
  });
  const gateway =
    ((await docker.getNetwork('bridge').inspect()).IPAM?.Config?.[0] as { Gateway?: string } | undefined)?.Gateway ??
    '172.17.0.1';
  server.listen(0, gateway);
  await once(server, 'listening');
  const url = `http://${gateway}:${(server.address() as AddressInfo).port}`;
  const made: string[] = [];
  return {
    async measure(labels) {
      const id = await rt.create({
        Image: image,
        User: '1000:1000',
        Labels: { 'paas.bench': 'bandwidth', ...labels },
        Cmd: ['node', '-e', PROBE_SCRIPT, url, String(seconds)],
        HostConfig: { NetworkMode: 'bridge' },
      });
      made.push(id);
      await rt.start(id);
      const { StatusCode } = (await docker.getContainer(id).wait()) as { StatusCode: number };
      const out = (await docker.getContainer(id).logs({ stdout: true, stderr: true })).toString('utf8');
      const m = /([\d.]+) ([\d.]+)\s*$/.exec(out);
      if (StatusCode !== 0 || !m) throw new Error(`the measuring container failed (${StatusCode}): ${out}`);
      return { egress: Number(m[1]), ingress: Number(m[2]) };
    },
    async close() {
      for (const id of made) await rt.remove(id).catch(() => undefined);
      server.close();
    },
  };
}
