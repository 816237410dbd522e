import { describe, expect, it } from 'vitest';
import type { DynoView } from '../../../../services/core/api.js';
import { ago, crashNote, formationText, psText, scaledText } from '../../../../cli/commands/ps/format.js';
import { parseScaleArgs } from '../../../../cli/commands/ps/parse.js';
import { restartingText } from '../../../../cli/commands/ps/restart.js';
import type { Ctx } from '../../../../cli/context.js';
import { run } from '../../../../cli/program.js';

describe('parseScaleArgs', () => {
  it('reads TYPE=N, TYPE=N:SIZE, TYPE=SIZE, TYPE+N and TYPE-N', () => {
    expect(
      parseScaleArgs(['web=3', 'worker=1:standard-2x', 'clock=eco', 'web+1', 'my-worker-2', 'urgent_job+10:basic']),
    ).toEqual([
      { type: 'web', quantity: 3 },
      { type: 'worker', quantity: 1, size: 'standard-2x' },
      { type: 'clock', size: 'eco' },
      { type: 'web', quantity: '+1' },
      { type: 'my-worker', quantity: '-2' },
      { type: 'urgent_job', quantity: '+10', size: 'basic' },
    ]);
    expect(parseScaleArgs(['web=0'])).toEqual([{ type: 'web', quantity: 0 }]);
  });

  it.each([
    'web',
    'web=',
    '=3',
    'web=2.5',
    'web=-1',
    'web=3three',
    'web=1x',
    'web=3:',
    'web 3',
    'web=1000',
    'we.b=1',
    'web=3:huge size',
    'web==3',
  ])('refuses %j with the forms to use', (arg) => {
    expect(() => parseScaleArgs([arg])).toThrow(
      /^Invalid argument .*use TYPE=QUANTITY\[:SIZE\], TYPE=SIZE, TYPE\+N or TYPE-N/,
    );
  });

  it('refuses no arguments with the usage', () => {
    expect(() => parseScaleArgs([])).toThrow('Usage: paas ps:scale web=2 worker=1:standard-2x');
  });
});

describe('ps output', () => {
  const now = Date.parse('2026-11-24T20:04:02Z');
  const dyno = (name: string, over: Partial<DynoView> = {}): DynoView => ({
    id: `shop.${name}.v1`,
    name,
    type: name.split('.')[0] as string,
    state: 'up',
    release: { version: 1 },
    size: 'standard-1x',
    command: 'npm start',
    host: 'h1',
    created_at: '2026-11-24T20:01:02.000Z',
    updated_at: '2026-11-24T20:01:02.000Z',
    restarts: 0,
    exit_code: null,
    started_at: '2026-11-24T20:01:02.000Z',
    ...over,
  });

  it('prints a block per process type, as Heroku does', () => {
    const text = psText(
      'shop',
      [
        dyno('web.1'),
        dyno('web.2', { state: 'starting', updated_at: '2026-11-24T20:04:00.000Z' }),
        dyno('worker.1', {
          size: 'eco',
          command: 'node w.js',
          state: 'crashed',
          updated_at: '2026-11-22T20:04:02.000Z',
        }),
      ],
      now,
    );
    expect(text).toBe(
      [
        '=== web (standard-1x): npm start (2)',
        'web.1: up 2026/11/24 20:01:02 (~ 3m ago) v1 on h1',
        'web.2: starting 2026/11/24 20:04:00 (~ 2s ago) v1 on h1',
        '',
        '=== worker (eco): node w.js (1)',
        'worker.1: crashed 2026/11/22 20:04:02 (~ 2d ago) v1 on h1',
      ].join('\n'),
    );
    expect(psText('shop', [], now)).toBe('No dynos on shop');
  });

  it('shows the exit code and restarts of a dyno that exited', () => {
    const text = psText(
      'shop',
      [
        dyno('web.1', { state: 'crashed', restarts: 3, exit_code: 1 }),
        dyno('web.2', { restarts: 1, exit_code: 137 }),
        dyno('web.3', { restarts: 0, exit_code: null }),
      ],
      now,
    );
    expect(text.split('\n').slice(1)).toEqual([
      'web.1: crashed (exit 1, 3 restarts) 2026/11/24 20:01:02 (~ 3m ago) v1 on h1',
      'web.2: up (1 restart, last exit 137) 2026/11/24 20:01:02 (~ 3m ago) v1 on h1',
      'web.3: up 2026/11/24 20:01:02 (~ 3m ago) v1 on h1',
    ]);
    expect(crashNote({ state: 'crashed', restarts: 0, exit_code: 3 })).toBe(' (exit 3)');
    expect(crashNote({ state: 'crashed', restarts: 0, exit_code: null })).toBe('');
  });

  it('says how long ago in the largest unit', () => {
    expect(ago('2026-11-24T18:04:01Z', now)).toBe('~ 2h ago');
    expect(ago('2026-11-24T20:05:00Z', now)).toBe('~ 0s ago');
  });

  it('words scaling and restarts as Heroku does', () => {
    const entries = [
      { type: 'web', quantity: 3, size: 'standard-1x' },
      { type: 'worker', quantity: 1, size: 'standard-2x' },
    ];
    expect(scaledText(entries)).toBe('web at 3:standard-1x, worker at 1:standard-2x');
    expect(formationText(entries)).toBe('web=3:standard-1x worker=1:standard-2x');
    expect(restartingText('shop', undefined)).toBe('Restarting dynos on shop');
    expect(restartingText('shop', 'web')).toBe('Restarting web dynos on shop');
    expect(restartingText('shop', 'web.1')).toBe('Restarting web.1 dyno on shop');
  });
});

describe('ps commands in the program', () => {
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

  it('have help with an example, and aliases scale, restart and ps:resize', async () => {
    for (const c of ['ps', 'ps:scale', 'scale', 'ps:restart', 'restart', 'ps:sizes', 'ps:type', 'ps:resize']) {
      const res = await paas([c, '--help']);
      expect(res.code, c).toBe(0);
      expect(res.out, c).toMatch(/Example:\n {2}\$ paas /);
    }
  });

  it('refuses a bad tuple before asking for the app or the API', async () => {
    expect(await paas(['ps:scale', 'web=2.5'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^paas: Invalid argument "web=2\.5"/),
    });
  });
});

describe('ps:type', () => {
  it("shows each process type's size with what it gives a dyno; an unknown size gets dashes", async () => {
    const { typeRows, typeText } = await import('../../../../cli/commands/ps/type.js');
    const sizes = [
      { name: 'eco', memory_mb: 256, cpu_shares: 256, memory: 0.25, disk_mb: 1024, egress_mbit: 50, ingress_mbit: 50 },
    ];
    const rows = typeRows(
      [
        { type: 'web', quantity: 2, size: 'eco' },
        { type: 'worker', quantity: 0, size: 'gone' },
      ],
      sizes,
    );
    expect(rows[0]).toEqual({
      type: 'web',
      quantity: 2,
      size: 'eco',
      memory_mb: 256,
      cpu_shares: 256,
      disk_mb: 1024,
      egress_mbit: 50,
      ingress_mbit: 50,
    });
    const text = typeText(rows);
    expect(text).toMatch(
      /^Type +Size +Qty +Memory \(MB\) +CPU shares +Disk \(MB\) +Egress \(Mbit\/s\) +Ingress \(Mbit\/s\)\n/,
    );
    expect(text).toMatch(/web +eco +2 +256 +256 +1024 +50 +50/);
    expect(text).toMatch(/worker +gone +0 +- +- +- +- +-/);
    expect(typeText([])).toContain('No process types');
  });
});
