import { describe, expect, it } from 'vitest';
import type { AppInfo, DynoPolicyView, DynoView } from '../../../../services/core/api.js';
import { appsText } from '../../../../cli/commands/apps/index.js';
import { appInfoText, dynoStateText } from '../../../../cli/commands/apps/info.js';
import { autosleepUpdate } from '../../../../cli/commands/ps/autosleep.js';
import { psText } from '../../../../cli/commands/ps/format.js';
import {
  autosleepBlock,
  autosleepText,
  durationText,
  keepAwakeText,
  lifetimeBlock,
  lifetimeText,
  parseDurationArg,
  parseKeepAwakeArg,
} from '../../../../cli/commands/ps/policy.js';
import type { Ctx } from '../../../../cli/context.js';
import { run } from '../../../../cli/program.js';

const policy = (over: Partial<DynoPolicyView> = {}): DynoPolicyView => ({
  autosleep_s: 1800,
  autosleep_default: true,
  keep_awake: [],
  lifetime_s: null,
  default_lifetime_s: 86400,
  lifetime_jitter_s: 12960,
  ...over,
});

describe('durationText', () => {
  it('writes whole units, largest first, days from 2 days up', () => {
    expect(durationText(1800)).toBe('30m');
    expect(durationText(5400)).toBe('1h30m');
    expect(durationText(12960)).toBe('3h36m');
    expect(durationText(86400)).toBe('24h');
    expect(durationText(86400 + 1)).toBe('24h1s');
    expect(durationText(36 * 3600)).toBe('36h');
    expect(durationText(2 * 86400)).toBe('2d');
    expect(durationText(30 * 86400 + 3600)).toBe('30d1h');
    expect(durationText(45)).toBe('45s');
    expect(durationText(0)).toBe('0s');
  });
});

describe('the arguments of ps:autosleep and ps:lifetime', () => {
  it('send off, default (null) and any other duration as typed', () => {
    expect(parseDurationArg('off')).toBe('off');
    expect(parseDurationArg('OFF')).toBe('off');
    expect(parseDurationArg('default')).toBeNull();
    expect(parseDurationArg('Default')).toBeNull();
    expect(parseDurationArg('30m')).toBe('30m');
    expect(parseDurationArg(' 1h30m ')).toBe('1h30m');
    expect(parseDurationArg('10y')).toBe('10y'); // the API refuses it, with the range
    expect(() => parseDurationArg(' ')).toThrow('Give a duration (30m, 6h, 1d), "off" or "default"');
  });

  it('read --keep-awake as types separated by commas, or none', () => {
    expect(parseKeepAwakeArg('worker')).toEqual(['worker']);
    expect(parseKeepAwakeArg('worker, clock,')).toEqual(['worker', 'clock']);
    expect(parseKeepAwakeArg('none')).toEqual([]);
    expect(parseKeepAwakeArg('NONE')).toEqual([]);
    expect(() => parseKeepAwakeArg(' , ')).toThrow(/--keep-awake takes process types/);
  });

  it('make one PATCH of what was given, nothing to show the policy', () => {
    expect(autosleepUpdate(undefined, {})).toBeUndefined();
    expect(autosleepUpdate(undefined, { json: true })).toBeUndefined();
    expect(autosleepUpdate('1h', {})).toEqual({ autosleep: '1h' });
    expect(autosleepUpdate('default', { keepAwake: 'worker,clock' })).toEqual({
      autosleep: null,
      keep_awake: ['worker', 'clock'],
    });
    expect(autosleepUpdate(undefined, { keepAwake: 'none' })).toEqual({ keep_awake: [] });
  });
});

describe('the policy as text', () => {
  it('words autosleep: the eco default, a setting, off', () => {
    expect(autosleepText(policy())).toBe('after 30m of no web traffic (default for eco)');
    expect(autosleepText(policy({ autosleep_s: 3600, autosleep_default: false }))).toBe('after 1h of no web traffic');
    expect(autosleepText(policy({ autosleep_s: 0, autosleep_default: false }))).toBe('off');
    expect(autosleepText(policy({ autosleep_s: 0 }))).toBe('off (default: only eco dynos sleep)');
    expect(keepAwakeText(policy())).toBe('none');
    expect(keepAwakeText(policy({ keep_awake: ['worker', 'clock'] }))).toBe('worker, clock');
    expect(autosleepBlock(policy({ keep_awake: ['worker'] }))).toBe(
      'Autosleep:   after 30m of no web traffic (default for eco)\nKeep awake:  worker',
    );
  });

  it('words the lifetime: the default with its jitter, a setting, off', () => {
    expect(lifetimeText(policy())).toBe('24h plus up to 3h36m per dyno (default)');
    expect(lifetimeText(policy({ lifetime_s: 21600 }))).toBe('6h');
    expect(lifetimeText(policy({ lifetime_s: 0 }))).toBe('off (dynos are never cycled)');
    expect(lifetimeBlock(policy({ lifetime_s: 5400 }))).toBe('Lifetime:  1h30m');
  });
});

describe('a sleeping app in ps, apps and apps:info', () => {
  const now = Date.parse('2026-12-07T01:05:00Z');
  const since = '2026-12-07T01:00:00.000Z';

  it('ps shows a sleeping dyno as any other state', () => {
    const web: DynoView = {
      id: 'shop.web.1.v3',
      name: 'web.1',
      type: 'web',
      state: 'sleeping',
      release: { version: 3 },
      size: 'eco',
      command: 'npm start',
      host: 'h1',
      created_at: '2026-12-06T20:00:00.000Z',
      updated_at: since,
      restarts: 0,
      exit_code: null,
      started_at: '2026-12-06T20:00:01.000Z',
    };
    expect(psText('shop', [web], now)).toBe(
      '=== web (eco): npm start (1)\nweb.1: sleeping 2026/12/07 01:00:00 (~ 5m ago) v3 on h1',
    );
  });

  it('apps marks the apps that do not serve now', () => {
    expect(
      appsText([
        { name: 'shop', dyno_state: 'sleeping' },
        { name: 'blog', dyno_state: null },
        { name: 'api', dyno_state: 'waking' },
      ]),
    ).toBe('=== Apps\nshop (sleeping)\nblog\napi (waking)');
    expect(
      appsText([
        { name: 'new', dyno_state: null, state: 'deploying' },
        { name: 'up', dyno_state: null, state: 'running' },
        { name: 'zero', dyno_state: null, state: 'idle' },
        { name: 'down', dyno_state: null, state: 'crashed' },
      ]),
    ).toBe('=== Apps\nnew (deploying)\nup\nzero\ndown (crashed)');
    expect(appsText([])).toBe('You have no apps. Create one with `paas apps:create`.');
  });

  it('apps:info has a Dynos line', () => {
    expect(dynoStateText({ dyno_state: 'sleeping', sleeping_since: since }, now)).toBe(
      'sleeping since 2026/12/07 01:00:00 UTC (~ 5m ago)',
    );
    expect(dynoStateText({ dyno_state: 'waking', sleeping_since: null }, now)).toBe('waking');
    expect(dynoStateText({ dyno_state: 'crashed', sleeping_since: null }, now)).toBe('crashed');
    expect(dynoStateText({ dyno_state: null, sleeping_since: null }, now)).toBe('awake');
    const info: AppInfo = {
      id: 'i',
      name: 'shop',
      owner: { id: 'u', email: 'me@x.io' },
      created_at: '2026-12-01T00:00:00.000Z',
      web_url: 'http://shop.localhost/',
      https_url: null,
      git_url: 'ssh://git@h:2222/shop.git',
      release: { version: 3 },
      maintenance: false,
      pool: null,
      dyno_state: 'sleeping',
      sleeping_since: since,
      state: 'sleeping',
    };
    expect(appInfoText(info, now)).toContain(
      'Release:  v3\nDynos:    sleeping since 2026/12/07 01:00:00 UTC (~ 5m ago)\n',
    );
  });
});

describe('ps:autosleep, ps:lifetime, ps:sleep in the program', () => {
  async function paas(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: Ctx = {
      env: { PAAS_TOKEN: 't', PAAS_API_URL: 'http://api.invalid' },
      cwd: '/',
      home: '/nonexistent-home',
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      readLine: async () => '',
      fetch: () => Promise.reject(new Error('no network in unit tests')),
    };
    return { code: await run(args, ctx), out: out.join('\n'), err: err.join('\n') };
  }

  it('have help with an example', async () => {
    for (const c of ['ps:autosleep', 'ps:lifetime', 'ps:sleep']) {
      const res = await paas([c, '--help']);
      expect(res.code, c).toBe(0);
      expect(res.out, c).toMatch(/Example:\n {2}\$ paas /);
    }
  });

  it('refuse an empty --keep-awake before asking for the app or the API', async () => {
    expect(await paas(['ps:autosleep', '--keep-awake', ','])).toMatchObject({
      code: 1,
      err: 'paas: --keep-awake takes process types separated by commas (worker,clock), or "none"',
    });
  });
});
