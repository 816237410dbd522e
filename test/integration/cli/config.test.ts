import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, type Harness } from '../controller/harness.js';
import { CLI, runBin, type BinResult } from '../../support/bin.js';
import type { CliResult } from '../../support/cli.js';
import { startCli, type CliHarness } from './harness.js';

// config, config:get, config:set, config:unset, releases:info, rollback:
// the CLI in-process against the real controller (real etcd), then once as
// the built binary.

let cli: CliHarness;
let h: Harness;
let dev: { id: string; token: string };

const paas = (args: string[], token?: string): Promise<CliResult> => cli.paas(args, token);

async function deploy(app: string, image: string, commit: string): Promise<void> {
  const res = await h.call('POST', `/internal/apps/${app}/releases`, {
    token: h.internalToken,
    body: { image, processTypes: { web: 'npm start' }, commit },
  });
  if (res.status !== 201) throw new Error(`build release: ${res.status} ${JSON.stringify(res.body)}`);
}

beforeAll(async () => {
  cli = await startCli('cli-config');
  h = cli.h;
  dev = await newUser(h, 'dev@example.com');
  await cli.createApps(h.adminToken, ['conf-app', 'conf-bin']);
});
afterAll(() => cli?.close());

describe('paas config', () => {
  it('shows an empty config with just the header', async () => {
    expect(await paas(['config', '-a', 'conf-app'])).toEqual({ code: 0, out: '=== conf-app Config Vars', err: '' });
    expect(await paas(['config', '-a', 'conf-app', '--json'])).toMatchObject({ code: 0, out: '{}' });
  });

  it('config:set prints the keys, the new version and the new values', async () => {
    const res = await paas([
      'config:set',
      'NODE_ENV=production',
      'DATABASE_URL=postgres://u:p@db/x?a=b',
      'GREETING=hello world',
      '-a',
      'conf-app',
    ]);
    expect(res).toEqual({
      code: 0,
      err: '',
      out: [
        'Setting NODE_ENV, DATABASE_URL, GREETING and restarting conf-app... done, v1',
        'DATABASE_URL: postgres://u:p@db/x?a=b',
        'GREETING:     hello world',
        'NODE_ENV:     production',
      ].join('\n'),
    });
    await deploy('conf-app', 'paas/app-conf-app:b1', 'abcdef1'); // v2
    const again = await paas(['config:set', 'GREETING=hi', '--app', 'conf-app']);
    expect(again.out.split('\n')).toEqual(['Setting GREETING and restarting conf-app... done, v3', 'GREETING: hi']);
  });

  it('config shows aligned values, --shell quoted lines, --json the API object', async () => {
    expect((await paas(['config', '-a', 'conf-app'])).out.split('\n')).toEqual([
      '=== conf-app Config Vars',
      'DATABASE_URL: postgres://u:p@db/x?a=b',
      'GREETING:     hi',
      'NODE_ENV:     production',
    ]);
    expect((await paas(['config', '-a', 'conf-app', '--shell'])).out).toBe(
      "DATABASE_URL='postgres://u:p@db/x?a=b'\nGREETING=hi\nNODE_ENV=production",
    );
    expect(JSON.parse((await paas(['config', '-a', 'conf-app', '--json'])).out)).toEqual({
      DATABASE_URL: 'postgres://u:p@db/x?a=b',
      GREETING: 'hi',
      NODE_ENV: 'production',
    });
  });

  it('config:get prints the bare value, and an empty line for an unset key', async () => {
    expect(await paas(['config:get', 'DATABASE_URL', '-a', 'conf-app'])).toEqual({
      code: 0,
      out: 'postgres://u:p@db/x?a=b',
      err: '',
    });
    expect(await paas(['config:get', 'NOPE', '-a', 'conf-app'])).toEqual({ code: 0, out: '', err: '' });
    expect(await paas(['config:get', 'toString', '-a', 'conf-app'])).toEqual({ code: 0, out: '', err: '' });
    expect((await paas(['config:get', 'GREETING', '-s', '-a', 'conf-app'])).out).toBe('GREETING=hi');
  });

  it('config:unset prints the keys and the new version', async () => {
    expect(await paas(['config:unset', 'GREETING', 'NODE_ENV', '-a', 'conf-app'])).toEqual({
      code: 0,
      err: '',
      out: 'Unsetting GREETING, NODE_ENV and restarting conf-app... done, v4',
    });
    expect(JSON.parse((await paas(['config', '-a', 'conf-app', '--json'])).out)).toEqual({
      DATABASE_URL: 'postgres://u:p@db/x?a=b',
    });
  });

  it('fails with the parser or API message and exit 1, changing nothing', async () => {
    expect(await paas(['config:set', 'FOO', '-a', 'conf-app'])).toMatchObject({
      code: 1,
      out: '',
      err: 'paas: FOO is invalid. Must be in the format FOO=bar.',
    });
    expect(await paas(['config:set', 'PORT=80', '-a', 'conf-app'])).toMatchObject({
      code: 1,
      err: 'paas: PORT is set by the platform and cannot be changed',
    });
    expect(await paas(['config:set', 'my-key=1', '-a', 'conf-app'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^paas: Invalid config var name "my-key"/),
    });
    expect(await paas(['config:unset', 'NEVER_SET', '-a', 'conf-app'])).toMatchObject({
      code: 1,
      err: 'paas: No config vars changed: NEVER_SET already as requested',
    });
    expect((await paas(['config:set', '-a', 'conf-app'])).code).toBe(1); // commander: missing argument
    expect(await paas(['config', '-a', 'conf-app'], dev.token)).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that app.",
    });
    expect(await paas(['config:set', 'X=1', '-a', 'conf-app'], dev.token)).toMatchObject({
      code: 1,
      err: "paas: Couldn't find that app.",
    });
    expect((await h.call('GET', '/apps/conf-app', { token: h.adminToken })).body.release).toEqual({ version: 4 });
  });
});

describe('paas releases:info and rollback', () => {
  it('releases:info shows the latest release and its config vars by default', async () => {
    const res = await paas(['releases:info', '-a', 'conf-app']);
    expect(res.code).toBe(0);
    const lines = res.out.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '=== Release v4',
      'Change:  Remove GREETING, NODE_ENV config vars',
      'By:      admin@example.com',
    ]);
    expect(lines[3]).toMatch(/^When: {4}\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d UTC$/);
    expect(lines.slice(4)).toEqual([
      'Commit:  abcdef1',
      'Status:  pending (current)',
      '',
      '=== v4 Config vars',
      'DATABASE_URL: postgres://u:p@db/x?a=b',
    ]);
  });

  it('releases:info vN --json gives the API view', async () => {
    const res = await paas(['releases:info', 'v2', '-a', 'conf-app', '--json']);
    expect(JSON.parse(res.out)).toMatchObject({
      version: 2,
      description: 'Deploy abcdef1',
      current: false,
      slug: { id: 'conf-app/v2' },
    });
    expect(await paas(['releases:info', 'v9', '-a', 'conf-app'])).toMatchObject({
      code: 1,
      err: "paas: Couldn't find release v9 of conf-app.",
    });
    expect(await paas(['releases:info', 'latest', '-a', 'conf-app'])).toMatchObject({
      code: 1,
      err: 'paas: latest is not a release version; use one such as v12',
    });
  });

  it('rollback vN makes a new release with the old config', async () => {
    expect(await paas(['rollback', 'v2', '-a', 'conf-app'])).toEqual({
      code: 0,
      out: 'Rolling back conf-app to v2... done, v5',
      err: '',
    });
    expect(JSON.parse((await paas(['config', '-a', 'conf-app', '--json'])).out)).toEqual({
      DATABASE_URL: 'postgres://u:p@db/x?a=b',
      GREETING: 'hello world',
      NODE_ENV: 'production',
    });
  });

  it('rollback without an argument goes to the release before the latest', async () => {
    expect(await paas(['rollback', '-a', 'conf-app'])).toEqual({
      code: 0,
      out: 'Rolling back conf-app to v4... done, v6',
      err: '',
    });
    expect(JSON.parse((await paas(['config', '-a', 'conf-app', '--json'])).out)).toEqual({
      DATABASE_URL: 'postgres://u:p@db/x?a=b',
    });
  });

  it('rollback fails with the API message for a release with no build, and when there is nothing earlier', async () => {
    expect(await paas(['rollback', 'v1', '-a', 'conf-app'])).toMatchObject({
      code: 1,
      err: 'paas: v1 has no build to roll back to (it was made before the first deploy)',
    });
    expect(await paas(['rollback', '-a', 'conf-bin'])).toMatchObject({
      code: 1,
      err: 'paas: conf-bin has no releases yet. Deploy with: git push paas main',
    });
    expect((await h.call('GET', '/apps/conf-app', { token: h.adminToken })).body.release).toEqual({ version: 6 });
  });
});

describe('the built paas binary', () => {
  const bin = CLI;

  // asynchronously: the controller answering it runs in this very process
  async function bin_(args: string[]): Promise<BinResult> {
    const env = { ...process.env, ...cli.env(h.adminToken, 'bin-config') };
    return runBin(args, env);
  }

  it('sets, gets, unsets and refuses as a process', async () => {
    expect(existsSync(bin)).toBe(true);
    expect(await bin_(['config:set', 'A=x=y', 'B=two words', '-a', 'conf-bin'])).toEqual({
      status: 0,
      stdout: 'Setting A, B and restarting conf-bin... done, v1\nA: x=y\nB: two words\n',
      stderr: '',
    });
    expect(await bin_(['config:get', 'B', '-a', 'conf-bin'])).toEqual({ status: 0, stdout: 'two words\n', stderr: '' });
    expect(await bin_(['config:unset', 'A', '-a', 'conf-bin'])).toEqual({
      status: 0,
      stdout: 'Unsetting A and restarting conf-bin... done, v2\n',
      stderr: '',
    });
    expect(await bin_(['config:set', 'DYNO=web.1', '-a', 'conf-bin'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'paas: DYNO is set by the platform and cannot be changed\n',
    });
    expect(await bin_(['rollback', '-a', 'conf-bin'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'paas: v1 has no build to roll back to (it was made before the first deploy)\n',
    });
  });
});
