import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiUrls, openFirst, sameOnEach } from '../../../services/core/apiurls.js';
import { LogBatcher } from '../../../services/core/logpost.js';
import { Store } from '../../../services/core/store.js';
import { paasInProcess } from '../../support/cli.js';
import { uniquePrefix } from '../../support/env.js';
import { call, logger, until, type Ctl, startPair, type Pair } from './harness.js';

// Clients given several API URLs (PAAS_API_URL="A,B") keep working when the
// controller they used goes away: the CLI (its API calls and its log
// stream), a log producer (core/logpost.ts, as agents, routers and the
// builder post), and a `paas run` attach whose attach_url names the dead one.

const prefix = uniquePrefix('ha-failover');
const internal = 'internal-ha-failover-0123456789';
let pair: Pair | undefined;
let store: Store;
let a: Ctl;
let b: Ctl;
let admin = '';
const home = mkdtempSync(join(tmpdir(), 'paas-ha-cli-'));
const app = 'hafail';

const paas = (args: string[]) =>
  paasInProcess(args, {
    env: {
      PAAS_API_URL: `${a.url},${b.url}`,
      PAAS_TOKEN: admin,
      PAAS_CONFIG_DIR: join(home, 'config'),
      HOME: home,
    },
    cwd: home,
    home,
  });

beforeAll(async () => {
  pair = await startPair(prefix, internal);
  ({ store, a, b, admin } = pair);
});

afterAll(async () => {
  await pair?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('several API URLs', () => {
  it('the CLI, a log producer and an attach keep working when the first controller is stopped', async () => {
    const created = await paas(['apps:create', app, '--json']);
    expect(created.code, created.err).toBe(0);
    expect(JSON.parse(created.out).name).toBe(app);
    const rel = await call(a.url, 'POST', `/internal/apps/${app}/releases`, internal, {
      image: 'example/run:1',
      processTypes: {},
      description: 'test',
    });
    expect(rel.status).toBe(201);
    const before = await paas(['apps', '--json']);
    expect(before.code).toBe(0);
    // a run made on A whose agent is on B: its attach_url names A
    const run = await call(a.url, 'POST', `/apps/${app}/dynos`, admin, { command: 'bash', attach: true });
    expect(run.status).toBe(201);
    const agent = await new ApiUrls([b.url]).openWebSocket(`/internal/rendezvous/${app}/${run.body.name}`, {
      headers: { authorization: `Bearer ${internal}` },
    });
    const agentGot: string[] = [];
    agent.on('message', (d) => agentGot.push(String(d)));
    agent.resume();
    await until(
      async () => (await store.get<{ id: string }>(store.keys.rendezvous(app, run.body.name)))?.id === 'ctl-b',
    );

    await a.stop();

    // the CLI: the same answers, from B
    const after = await paas(['apps', '--json']);
    expect(after.code, after.err).toBe(0);
    expect(after.out).toBe(before.out);
    // a producer with both URLs: its lines reach B
    const batcher = new LogBatcher({ apiUrl: `${a.url},${b.url}`, internalToken: internal, log: logger });
    batcher.offer({ app, at: new Date().toISOString(), source: 'app', dyno: 'web.1', line: 'after a stopped' });
    await batcher.flush();
    expect(batcher.dropped).toBe(0);
    const logs = await paas(['logs', '-a', app, '-n', '5']);
    expect(logs.code, logs.err).toBe(0);
    expect(logs.out).toMatch(/app\[web\.1\]: after a stopped$/m);
    // the attach_url names A; B joins it
    const urls = sameOnEach(run.body.attach_url, [a.url, b.url]);
    expect(urls[0]).toContain(a.url.replace('http://', ''));
    const { ws: user, index } = await openFirst(urls);
    user.resume();
    expect(index).toBe(1);
    await until(() => agentGot.includes('{"attached":true}'), 5000, 'the go');
    user.close();
    agent.close();
  });

  it('the CLI says which API it could not reach when none answers (its message as with one URL)', async () => {
    await b.stop();
    const r = await paas(['apps']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`Could not reach the paas API at ${a.url},${b.url} (ECONNREFUSED)`);
  });
});
