import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR, httpGet, must, waitFor } from '../support/run.js';
import { e2eUser, env, httpPort, signUp } from './user.js';

// An app whose dynos run on two Docker hosts of the platform, as a user lives
// it: `scripts/hosts up 2` (each its own dockerd in a network namespace, with
// its agent: scripts/lib/hosts.sh), the app pinned to them (apps:pool), a
// push whose release command runs on a host and shows its output, ps:scale
// web=2 (one dyno on each host, both answering through the router), `paas
// run` on a host with the app's config, `paas logs` with both dynos' lines,
// sleep and wake on a host, a host lost (`scripts/hosts kill 1`: its dyno
// moves to the other within 30 s, the survivor serving meanwhile), and a wake
// that crashes on a host answered 503 at once, and apps:destroy leaving
// nothing on a host's engine (its agent removes the images it fetched). The
// hosts go at the end (`scripts/hosts down`), failed or not.

const stateDir = env.PAAS_STATE_DIR ?? '/var/lib/paas';
const cluster = env.PAAS_CLUSTER ?? 'paas';
const HOSTS = join(REPO_DIR, 'scripts/hosts');
/** The tag the hosts carry and the app requires: its dynos run on them, never on the machine's own engine. */
const POOL = 'e2e=hosts';
const u = e2eUser('hosts');
const { appName, host, appDir, gitEnv, paas } = u;
const exec = promisify(execFile);

const hostsCmd = (...args: string[]) =>
  exec(HOSTS, args, { env: { ...process.env, PAAS_STATE_DIR: stateDir }, timeout: 180_000 });
const ok = async (args: string[]) => {
  const r = await paas(args);
  expect(r.code, `paas ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
const get = (path = '/') => httpGet(httpPort, host, path);
const body = async (path = '/') => (await get(path)).body.trim();

interface Dyno {
  name: string;
  type: string;
  state: string;
  host: string;
}
const dynos = async () => JSON.parse(await ok(['ps', '--json'])) as Dyno[];
const webs = async () => (await dynos()).filter((d) => d.type === 'web');

/** Host K's agent id and engine, as scripts/hosts wrote them (hosts/K/agent.env). */
function hostOf(k: number): { id: string; engine: Docker } {
  const text = readFileSync(join(stateDir, 'hosts', String(k), 'agent.env'), 'utf8');
  const field = (n: string) => new RegExp(`^${n}='(.*)'$`, 'm').exec(text)?.[1] ?? '';
  return { id: field('PAAS_HOST_ID'), engine: new Docker({ socketPath: field('PAAS_DOCKER_SOCKET') }) };
}
const hosts: Array<{ id: string; engine: Docker }> = [];
const hostIds = () => hosts.map((h) => h.id);

/** The app's web dynos: `n`, all up, their hosts. */
const websUp = (n: number, ms: number) =>
  waitFor(`${n} web dynos up`, ms, async () => {
    const w = await webs();
    return w.length === n && w.every((d) => d.state === 'up') ? w : undefined;
  });

describe('an app on two Docker hosts (scripts/hosts)', () => {
  beforeAll(async () => {
    await hostsCmd('up', '2', '--tags', `pool=shared,${POOL}`);
    hosts.push(hostOf(1), hostOf(2));
    await signUp(u);
    // A release command, and a server that refuses to boot when told to (the crashing wake at the end).
    writeFileSync(join(appDir, 'Procfile'), 'web: node server.js\nrelease: echo "migrated on $DYNO"\n');
    const server = readFileSync(join(appDir, 'server.js'), 'utf8');
    writeFileSync(
      join(appDir, 'server.js'),
      "if (process.env.CRASH_ON_BOOT) { console.error('refusing to boot: CRASH_ON_BOOT'); process.exit(1); }\n" +
        server,
    );
    await must('git', ['add', '.'], { cwd: appDir });
    await must('git', ['commit', '-qm', 'a release command'], { cwd: appDir, env: gitEnv });
  }, 300_000);

  afterAll(async () => {
    await paas(['apps:destroy', '--confirm', appName]).catch(() => undefined);
    u.remove();
    if (process.env.PAAS_TEST_KEEP_HOSTS === '1') return; // to look at them after a failure (then scripts/hosts down)
    await hostsCmd('down').catch((err: unknown) => console.error('scripts/hosts down failed', err));
    u.remove();
  }, 180_000);

  it('a push to an app pinned to the hosts runs its release command there and shows its output', async () => {
    await ok(['apps:create', appName]);
    expect(await ok(['apps:pool', POOL])).toMatch(/done/);
    const push = await u.git(['push', 'paas', 'main']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toMatch(
      /remote: -----> Running release command: echo "migrated on \$DYNO"\s+remote: {8}migrated on release\.1\s+remote: -----> Release command succeeded/,
    );
    expect(push.stderr).toMatch(/v1 is serving/);
    expect(await body()).toBe('hello v1');
    const [web] = await websUp(1, 30_000);
    expect(hostIds()).toContain(web?.host);
  });

  it('ps:scale web=2 puts one dyno on each host, and both answer through the router', async () => {
    await ok(['ps:scale', 'web=2']);
    const w = await websUp(2, 90_000);
    expect(w.map((d) => d.host).sort()).toEqual([...hostIds()].sort());
    const seen = new Set<string>();
    await waitFor('web.1 and web.2 to answer', 30_000, async () => {
      seen.add(await body('/dyno'));
      return seen.size === 2 ? true : undefined;
    });
    expect([...seen].sort()).toEqual(['web.1', 'web.2']);
    // the containers are on the hosts' engines
    for (const h of hosts) {
      const cs = await h.engine.listContainers({
        filters: { label: [`paas.cluster=${cluster}`, `paas.app=${appName}`, 'paas.type=web'] },
      });
      expect(cs.length, `web containers on ${h.id}`).toBe(1);
    }
  });

  it("paas run runs a one-off on a host with the app's config", async () => {
    await ok(['config:set', 'GREETING=hello from a host']);
    const r = await paas([
      'run',
      '--no-tty',
      '--',
      'node',
      '-e',
      "const a = Object.values(require('os').networkInterfaces()).flat().find((i) => i.family === 'IPv4' && !i.internal);" +
        'console.log(`one-off says ${process.env.GREETING} at ${a.address}`)',
    ]);
    expect(r.code, r.stderr).toBe(0);
    // a host's containers have addresses of its engine's networks, 10.214.S.128/25 (scripts/lib/hosts.sh)
    expect(r.stdout).toMatch(/^one-off says hello from a host at 10\.214\.\d+\.(1[3-9]\d|2\d\d)$/m);
    await waitFor('the new release on both hosts', 90_000, async () =>
      (await body('/greeting')) === 'hello from a host' && (await websUp(2, 1000)) ? true : undefined,
    );
  });

  it("paas logs shows both dynos' lines and the router's", async () => {
    expect((await get()).status).toBe(200);
    await waitFor("both dynos' and the router's lines", 30_000, async () => {
      const out = await ok(['logs', '-n', '500']);
      return /app\[web\.1\]: listening on/.test(out) &&
        /app\[web\.2\]: listening on/.test(out) &&
        /app\[release\.1\]: migrated on release\.1/.test(out) &&
        / router: at=info method=GET path="\/" .* dyno=web\.\d /m.test(out)
        ? true
        : undefined;
    });
  });

  it('ps:sleep parks the dynos on their hosts; the first request after it wakes them and is answered', async () => {
    await ok(['ps:sleep']);
    await waitFor('the web dynos sleeping', 60_000, async () =>
      (await webs()).every((d) => d.state === 'sleeping') ? true : undefined,
    );
    const r = await get('/greeting');
    expect(r.status).toBe(200);
    expect(r.body.trim()).toBe('hello from a host');
    expect((await websUp(2, 30_000)).map((d) => d.host).sort()).toEqual([...hostIds()].sort());
  });

  it('scripts/hosts kill 1: its dyno moves to host 2 within 30 s, and the survivor serves meanwhile', async () => {
    const [h1, h2] = [hosts[0] as { id: string }, hosts[1] as { id: string }];
    await websUp(2, 30_000);
    const started = Date.now();
    await hostsCmd('kill', '1');
    const statuses: number[] = [];
    let moved: Dyno[] | undefined;
    while (Date.now() - started < 30_000 && !moved) {
      statuses.push(
        await get().then(
          (a) => a.status,
          () => 0,
        ),
      );
      const w = await webs();
      if (w.length === 2 && w.every((d) => d.state === 'up' && d.host === h2.id)) moved = w;
      else await new Promise((r) => setTimeout(r, 200));
    }
    const ms = Date.now() - started;
    console.log(`host 1 killed: both dynos up on host 2 after ${ms} ms; ${statuses.length} requests meanwhile`);
    expect(moved, 'both web dynos up on host 2 within 30 s').toBeDefined();
    expect(moved?.every((d) => d.host !== h1.id)).toBe(true);
    expect(statuses.length).toBeGreaterThan(3);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await waitFor('web.1 and web.2 to answer from host 2', 30_000, async () => {
      const seen = new Set([await body('/dyno'), await body('/dyno'), await body('/dyno'), await body('/dyno')]);
      return seen.size === 2 ? true : undefined;
    });
  });

  it('a wake that crashes on a host answers 503 at once, not after the hold, and paas logs says why', async () => {
    await ok(['ps:sleep']);
    await waitFor('the web dynos sleeping', 60_000, async () =>
      (await webs()).every((d) => d.state === 'sleeping') ? true : undefined,
    );
    await ok(['config:set', 'CRASH_ON_BOOT=1']);
    const t0 = Date.now();
    const r = await get();
    const elapsed = Date.now() - t0;
    console.log(`crashing wake on a host: ${r.status} after ${elapsed} ms`);
    expect(r.status).toBe(503);
    expect(elapsed).toBeLessThan(20_000); // the hold lasts up to 30 s
    await waitFor('the crash in paas logs', 30_000, async () => {
      const logs = await ok(['logs', '-n', '300']);
      return /refusing to boot: CRASH_ON_BOOT/.test(logs) && /Process exited with status 1/.test(logs)
        ? true
        : undefined;
    });
  });

  it("apps:destroy leaves none of the app's containers or images on the surviving host's engine", async () => {
    const h2 = hosts[1] as { engine: Docker };
    const ofApp = { filters: { label: [`paas.cluster=${cluster}`, `paas.app=${appName}`] } };
    expect((await h2.engine.listImages(ofApp)).length).toBeGreaterThan(0); // fetched from the builder
    await ok(['apps:destroy', '--confirm', appName]);
    await waitFor("the app's containers and images gone from host 2", 60_000, async () =>
      (await h2.engine.listContainers({ all: true, ...ofApp })).length === 0 &&
      (await h2.engine.listImages(ofApp)).length === 0
        ? true
        : undefined,
    );
  });
});
