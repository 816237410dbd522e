import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, Assignment, Route, SleepRequest } from '../../../services/core/types.js';
import { newUser } from '../controller/harness.js';
import { runBin, type BinResult } from '../../support/bin.js';
import { startCli, type CliHarness } from './harness.js';

// ps:autosleep, ps:lifetime and ps:sleep as the built `paas` binary runs them
// against the real controller (in-process, real etcd): showing, setting,
// going back to the defaults, a refused duration (the API's message, exit 1,
// nothing written); and a sleeping app in apps, apps:info and ps.

const APP = 'nap-app';
const RANGE = 'expected a duration from 1m to 30d (e.g. 30m, 6h, 1d) or "off"';
let c: CliHarness;
let dev: { id: string; token: string };

const record = () => c.h.store.get<App>(c.h.store.keys.app(APP));

function paas(args: string[]): Promise<BinResult> {
  return runBin(args, { ...process.env, ...c.env(dev.token, 'bin-config') });
}

beforeAll(async () => {
  c = await startCli('cli-dynopolicy');
  dev = await newUser(c.h, 'dev@example.com');
  await c.createApps(dev.token, [APP]);
  const r = await c.h.call('PATCH', `/apps/${APP}/formation/web`, { token: dev.token, body: { size: 'eco' } });
  expect(r.status).toBe(200);
});
afterAll(async () => {
  await c?.close();
});

describe('paas ps:autosleep', () => {
  it('shows the default policy of an eco app', async () => {
    expect(await paas(['ps:autosleep', '-a', APP])).toEqual({
      status: 0,
      stdout: 'Autosleep:   after 30m of no web traffic (default for eco)\nKeep awake:  none\n',
      stderr: '',
    });
  });

  it('sets a duration and the process types kept awake', async () => {
    expect(await paas(['ps:autosleep', '1h30m', '--keep-awake', 'worker,clock', '-a', APP])).toEqual({
      status: 0,
      stdout: `Setting autosleep of ${APP}... done\nAutosleep:   after 1h30m of no web traffic\nKeep awake:  worker, clock\n`,
      stderr: '',
    });
    expect(await record()).toMatchObject({ autosleepS: 5400, keepAwake: ['worker', 'clock'] });
    const json = await paas(['ps:autosleep', '-a', APP, '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      autosleep_s: 5400,
      autosleep_default: false,
      keep_awake: ['worker', 'clock'],
      lifetime_s: null,
      default_lifetime_s: 86400,
      lifetime_jitter_s: 12960,
    });
  });

  it("refuses a bad duration with the API's message and exit 1, changing nothing", async () => {
    const before = await record();
    for (const [arg, message] of [
      ['10y', `Invalid autosleep "10y": ${RANGE}`],
      ['1ms', `Invalid autosleep "1ms": ${RANGE}`],
      ['0s', `Autosleep "0s" is out of range: ${RANGE}`],
    ] as const) {
      expect(await paas(['ps:autosleep', arg, '--keep-awake', 'none', '-a', APP])).toEqual({
        status: 1,
        stdout: '',
        stderr: `paas: ${message}\n`,
      });
    }
    expect(await paas(['ps:autosleep', '--keep-awake', 'web', '-a', APP])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'paas: The web process type is the one that sleeps; it cannot be kept awake\n',
    });
    expect(await record()).toEqual(before);
  });

  it('turns it off, and goes back to the default', async () => {
    expect((await paas(['ps:autosleep', 'off', '-a', APP])).stdout).toContain('Autosleep:   off\n');
    expect(await record()).toMatchObject({ autosleepS: 0 });
    expect((await paas(['ps:autosleep', 'default', '--keep-awake', 'none', '-a', APP])).stdout).toBe(
      `Setting autosleep of ${APP}... done\nAutosleep:   after 30m of no web traffic (default for eco)\nKeep awake:  none\n`,
    );
    const app = (await record()) as App;
    expect('autosleepS' in app || 'keepAwake' in app).toBe(false);
  });
});

describe('paas ps:lifetime', () => {
  it('shows the default, sets 6h, turns it off and goes back', async () => {
    expect(await paas(['ps:lifetime', '-a', APP])).toEqual({
      status: 0,
      stdout: 'Lifetime:  24h plus up to 3h36m per dyno (default)\n',
      stderr: '',
    });
    expect(await paas(['ps:lifetime', '6h', '-a', APP])).toEqual({
      status: 0,
      stdout: `Setting lifetime of ${APP}... done\nLifetime:  6h\n`,
      stderr: '',
    });
    expect((await record())?.lifetimeS).toBe(21600);
    expect((await paas(['ps:lifetime', 'off', '-a', APP])).stdout).toContain(
      'Lifetime:  off (dynos are never cycled)\n',
    );
    expect((await record())?.lifetimeS).toBe(0);
    expect((await paas(['ps:lifetime', 'default', '-a', APP])).stdout).toContain('(default)');
    expect((await record())?.lifetimeS).toBeUndefined();
  });

  it('refuses 31d with exit 1', async () => {
    expect(await paas(['ps:lifetime', '31d', '-a', APP])).toEqual({
      status: 1,
      stdout: '',
      stderr: `paas: Lifetime "31d" is out of range: ${RANGE}\n`,
    });
    expect((await record())?.lifetimeS).toBeUndefined();
  });
});

describe('paas ps:sleep', () => {
  it('asks the scheduler to put the app to sleep', async () => {
    expect(await paas(['ps:sleep', '-a', APP])).toEqual({
      status: 0,
      stdout: `Putting ${APP} to sleep... done; the next request wakes it\n`,
      stderr: '',
    });
    expect(await c.h.store.get<SleepRequest>(c.h.store.keys.sleepRequest(APP))).toMatchObject({
      app: APP,
      by: dev.id,
    });
    expect(await paas(['ps:sleep', '-a', 'no-such-app'])).toEqual({
      status: 1,
      stdout: '',
      stderr: "paas: Couldn't find that app.\n",
    });
  });

  it('shows a sleeping app in apps and apps:info', async () => {
    const since = new Date(Date.now() - 5 * 60_000).toISOString();
    const route: Route = { app: APP, dynos: [], release: 0, state: 'sleeping', since, updatedAt: since };
    await c.h.store.put(c.h.store.keys.route(APP), route);
    expect((await paas(['apps'])).stdout).toBe(`=== Apps\n${APP} (sleeping)\n`);
    expect(JSON.parse((await paas(['apps', '--json'])).stdout)[0]).toMatchObject({
      name: APP,
      dyno_state: 'sleeping',
      sleeping_since: since,
    });
    expect((await paas(['apps:info', '-a', APP])).stdout).toMatch(
      /\nDynos: +sleeping since \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d UTC \(~ 5m ago\)\n/,
    );
    const web: Assignment = {
      id: `${APP}.web.1.v1`,
      host: 'h1',
      app: APP,
      release: 1,
      type: 'web',
      index: 1,
      image: 'i',
      command: 'npm start',
      env: {},
      port: 5000,
      memoryMb: 256,
      cpuShares: 256,
      createdAt: since,
      parked: true,
    };
    await c.h.store.put(c.h.store.keys.assignment('h1', web.id), web);
    expect((await paas(['ps', '-a', APP])).stdout).toMatch(
      /^=== web \(eco\): npm start \(1\)\nweb\.1: sleeping \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \(~ 5m ago\) v1 on h1\n$/,
    );
    await c.h.store.delete(c.h.store.keys.assignment('h1', web.id));
    await c.h.store.delete(c.h.store.keys.route(APP));
    expect((await paas(['apps:info', '-a', APP])).stdout).toMatch(/\nDynos: +awake\n/);
  });
});

describe('help', () => {
  it('has an example for each command', async () => {
    for (const cmd of ['ps:autosleep', 'ps:lifetime', 'ps:sleep']) {
      const r = await paas([cmd, '--help']);
      expect(r.status, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(/Example:\n {2}\$ paas /);
    }
  });
});
