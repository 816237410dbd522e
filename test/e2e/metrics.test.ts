import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, waitFor } from '../support/run.js';
import { env, e2eUser, httpPort, signUp } from './user.js';

// Metrics as a user and an operator see them, on a platform brought up by
// scripts/up: requests to a pushed app show in the router's and the agent's
// Prometheus metrics at once, and, once the minute has ended, in `paas
// metrics` (its requests, their response times, its dyno's memory).

const u = e2eUser('mtr');
const { appName, host, paas } = u;
const port = (name: string, fallback: number) => Number(env[name] ?? fallback);

const scrape = async (p: number) => {
  const res = await fetch(`http://127.0.0.1:${p}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
};

describe('metrics of an app', () => {
  beforeAll(async () => {
    await signUp(u);
    expect((await paas(['apps:create', appName])).code).toBe(0);
    const push = await u.git(['push', 'paas', 'main']);
    expect(push.code, push.stderr).toBe(0);
  });

  afterAll(() => u.remove());

  it("counts its requests in the router's and its dyno in the agent's /metrics, and paas metrics shows the minute", async () => {
    for (let i = 0; i < 30; i++) expect((await httpGet(httpPort, host)).status).toBe(200);
    const router = await waitFor('the router to count them', 10_000, async () => {
      const text = await scrape(port('PAAS_ROUTER_METRICS_PORT', 8714));
      const m = new RegExp(
        `^nginx_ingress_controller_requests\\{app="${appName}",process_type="web",status="2xx"\\} (\\d+)`,
        'm',
      ).exec(text);
      return m && Number(m[1]) >= 30 ? text : undefined;
    });
    expect(router).toMatch(
      new RegExp(`^nginx_ingress_controller_request_duration_seconds_count\\{app="${appName}"`, 'm'),
    );
    const agent = await scrape(port('PAAS_AGENT_METRICS_PORT', 8713));
    expect(agent).toMatch(
      new RegExp(`^container_memory_working_set_bytes\\{app="${appName}",process_type="web",dyno="web.1"`, 'm'),
    );
    for (const [name, fallback] of [
      ['PAAS_CONTROLLER_METRICS_PORT', 8710],
      ['PAAS_BUILDER_METRICS_PORT', 8711],
      ['PAAS_SCHEDULER_METRICS_PORT', 8712],
      ['PAAS_DASHBOARD_METRICS_PORT', 8715],
    ] as const)
      expect(await scrape(port(name, fallback))).toMatch(/^process_cpu_seconds_total /m);

    // the minute ends, then routers and agents send it: at most a minute and a few seconds
    type View = {
      step_s: number;
      points: Array<{ requests_ok: number; p50_ms: number | null; memory_bytes: Record<string, number> }>;
    };
    const view = await waitFor('paas metrics to show the requests', 80_000, async () => {
      const r = await paas(['metrics', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const v = JSON.parse(r.stdout) as View;
      const ok = v.points.reduce((n, p) => n + p.requests_ok, 0);
      const mem = v.points.some((p) => (p.memory_bytes['web.1'] ?? 0) > 1024 * 1024);
      return ok >= 30 && mem ? v : undefined;
    });
    expect(view.step_s).toBe(60);
    expect(view.points.some((p) => p.p50_ms !== null && p.p50_ms > 0)).toBe(true);
    const text = await paas(['metrics']);
    expect(text.stdout).toMatch(new RegExp(`^=== ${appName} Metrics \\(last 1h`, 'm'));
    expect(text.stdout).toMatch(/web\.1 \d+ MB/);
    expect((await paas(['metrics', '--range', '3y'])).code).toBe(1);
  });

  it("the services' metrics ports and the dashboard's are not reachable from an app's container", async () => {
    // from a one-off dyno of the app: its default gateway (the host's address on the apps' bridge) and each port
    const ports = [
      port('PAAS_CONTROLLER_METRICS_PORT', 8710),
      port('PAAS_BUILDER_METRICS_PORT', 8711),
      port('PAAS_SCHEDULER_METRICS_PORT', 8712),
      port('PAAS_AGENT_METRICS_PORT', 8713),
      port('PAAS_ROUTER_METRICS_PORT', 8714),
      port('PAAS_DASHBOARD_METRICS_PORT', 8715),
      port('PAAS_DASHBOARD_PORT', 8702),
      port('PAAS_API_PORT', 8700),
      httpPort, // the control: the router's HTTP port is open to everyone, so the probe can see an open port
    ];
    const probe = [
      "const f=require('fs').readFileSync('/proc/net/route','utf8').split('\\n').map(l=>l.split('\\t'));",
      "const h=f.find(x=>x[1]==='00000000')[2];",
      'const ip=[3,2,1,0].map(i=>parseInt(h.substr(i*2,2),16)).join(".");',
      `const ports=${JSON.stringify(ports)};`,
      "Promise.all(ports.map(p=>new Promise(r=>{const s=require('net').connect(p,ip);",
      "s.on('connect',()=>{s.destroy();r(p+':open')});s.on('error',e=>r(p+':'+e.code));",
      "setTimeout(()=>{s.destroy();r(p+':timeout')},3000)}))).then(a=>console.log('PROBE',ip,a.join(' ')));",
    ].join('');
    const r = await paas(['run', '--no-tty', '--', 'node', '-e', probe]);
    expect(r.code, r.stderr).toBe(0);
    const line = /^PROBE (\S+) (.*)$/m.exec(r.stdout);
    expect(line, r.stdout).not.toBeNull();
    const results = (line?.[2] ?? '').split(' ');
    expect(results).toHaveLength(ports.length);
    expect(results.pop()).toBe(`${httpPort}:open`);
    for (const res of results) expect(res).not.toMatch(/:open$/);
  });
});
