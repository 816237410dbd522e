import { describe, expect, it } from 'vitest';
import { routeUpstreams } from '../../../services/core/routes.js';
import type { HealthCheck, Instance } from '../../../services/core/types.js';
import { httpBody, waitFor } from '../agent/support.js';
import { schedulerHarness } from './harness.js';

// A release whose web containers fail their health check (app.json) never
// takes traffic: with the real scheduler, agent and Docker, the old release
// keeps serving through it, and the next good release takes over.

const h = schedulerHarness('healthfail', { app: 'hc', agent: { restartDelayMs: 300 } });
const routeHistory = h.routes;

/** Answers `<greeting> web.<n>` on /, and $HEALTH on /health. */
const server = (greeting: string) =>
  `node -e "require('http').createServer((q,s)=>{s.statusCode=q.url==='/health'?Number(process.env.HEALTH):200;s.end('${greeting} '+process.env.DYNO)}).listen(process.env.PORT)"`;

async function release(greeting: string, health: number): Promise<number> {
  const healthcheck: HealthCheck = { path: '/health', timeoutS: 1, attempts: 2 };
  return h.release({
    config: { HEALTH: String(health) },
    processTypes: { web: server(greeting) },
    healthcheck,
    description: greeting,
  });
}

const servedBy = async (greeting: string) =>
  (await h.served(`route to ${greeting}`, 1, ([body]) => body === `${greeting} web.1`)).route;

describe('a release failing its health check', () => {
  it('keeps the old release serving, and the next good release takes over', async () => {
    await h.createApp({ web: { quantity: 1, size: 'eco' } });
    await release('v1', 200);
    const good = await servedBy('v1');
    expect(good.release).toBe(1);

    const mark = routeHistory.length;
    const bad = await release('v2', 500);
    // Its container runs and answers on /, but fails /health: crashed and restarted, never up.
    await waitFor('v2 failed its health check and was restarted', async () => {
      const i = await h.store.get<Instance>(h.store.keys.instance('hc', `hc.web.1.v${bad}`));
      return (i?.restarts ?? 0) >= 1 ? i : undefined;
    });
    const r = await h.route();
    expect(r?.release).toBe(1);
    expect(r && routeUpstreams(r)).toEqual(routeUpstreams(good));
    expect(await httpBody(routeUpstreams(good)[0] as string)).toBe('v1 web.1');
    expect(routeHistory.slice(mark).every((x) => x.release === 1 && routeUpstreams(x).length === 1)).toBe(true);

    const fixed = await release('v3', 200);
    const next = await servedBy('v3');
    expect(next.release).toBe(fixed);
    expect(routeHistory.slice(mark).every((x) => routeUpstreams(x).length > 0 && x.release !== bad)).toBe(true);
  });
});
