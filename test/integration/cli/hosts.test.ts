import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, HostTagOverride } from '../../../services/core/types.js';
import { newUser, type Harness } from '../controller/harness.js';
import { runBin } from '../../support/bin.js';
import { startCli, type CliHarness } from './harness.js';

// hosts, hosts:info, hosts:tag and apps:pool: the CLI in-process against the
// real controller (real etcd; host records written as an agent would), then
// once as the built binary.

let cli: CliHarness;
let h: Harness;
let owner: { id: string; token: string };
const env = (token?: string) => cli.env(token);
const paas = (args: string[], token?: string) => cli.paas(args, token);

const appRecord = (name: string) => h.store.get<App>(h.store.keys.app(name));

beforeAll(async () => {
  cli = await startCli('cli-hosts');
  h = cli.h;
  owner = await newUser(h, 'owner@example.com');
  const s = h.store;
  await s.put(s.keys.host('node-1'), {
    id: 'node-1',
    address: '127.0.0.1',
    tags: { pool: 'shared', ssd: 'true' },
    capacity: { memoryMb: 8192, cpus: 4 },
    registeredAt: '2024-05-01T10:00:00.000Z',
    used: { memoryMb: 300, cpus: 0.25 },
  });
  await s.put(s.keys.host('node-2'), {
    id: 'node-2',
    address: '127.0.0.2',
    tags: {},
    capacity: { memoryMb: 2048, cpus: 1 },
    registeredAt: '2024-05-01T10:00:00.000Z',
  });
  await s.put(s.keys.assignment('node-1', 'a.web.1.v1'), {
    id: 'a.web.1.v1',
    host: 'node-1',
    app: 'a',
    release: 1,
    type: 'web',
    index: 1,
    image: 'i',
    command: 'c',
    env: {},
    port: 5000,
    memoryMb: 512,
    cpuShares: 1024,
    createdAt: 't',
  });
  await cli.createApps(owner.token, ['pool-cli', 'pool-bin']);
});
afterAll(() => cli?.close());

describe('paas hosts', () => {
  it('lists hosts as a table and as the API shape with --json', async () => {
    const r = await paas(['hosts']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^ID +ADDRESS +TAGS +MEMORY/);
    expect(lines[2]).toMatch(/^node-1 +127\.0\.0\.1 +pool=shared,ssd=true +300\/512\/8192 MB +0\.25\/1\/4 +1$/);
    expect(lines[3]).toMatch(/^node-2 +127\.0\.0\.2 +- +-\/0\/2048 MB +-\/0\/1 +0$/);
    const listed = JSON.parse((await paas(['hosts', '--json'])).out);
    expect(listed).toEqual((await h.call('GET', '/hosts', { token: h.adminToken })).body);
  });

  it("prints the API's refusal to a non-admin and exits 1", async () => {
    expect(await paas(['hosts'], owner.token)).toEqual({
      code: 1,
      out: '',
      err: 'paas: This action needs an admin account.',
    });
    expect(await paas(['hosts:info', 'nope'])).toEqual({ code: 1, out: '', err: "paas: Couldn't find that host." });
  });

  it('sets and removes tags with hosts:tag, shown by hosts:info', async () => {
    const r = await paas(['hosts:tag', 'node-1', 'pool=high', 'ssd-']);
    expect(r).toEqual({ code: 0, out: 'Setting tags of node-1... done\nTags: pool=high', err: '' });
    const stored = await h.store.get<HostTagOverride>(h.store.keys.hostTags('node-1'));
    expect(stored?.tags).toEqual({ pool: 'high', ssd: null });
    const info = await paas(['hosts:info', 'node-1']);
    expect(info.out).toMatch(/Tags: +pool=high\n/);
    expect(info.out).toMatch(/Agent tags: +pool=shared,ssd=true\n/);
    expect(info.out).toMatch(/Overrides: +pool=high,ssd-\n/);
    const json = JSON.parse((await paas(['hosts:tag', 'node-1', 'zone=eu', '--json'])).out);
    expect(json.tags).toEqual({ pool: 'high', zone: 'eu' });
  });

  it("refuses bad arguments locally and bad tags with the API's message, changing nothing", async () => {
    const before = await h.store.get<HostTagOverride>(h.store.keys.hostTags('node-1'));
    expect(await paas(['hosts:tag', 'node-1', 'pool'])).toMatchObject({
      code: 1,
      err: 'paas: "pool" is not key=value (to set a tag) or key- (to remove one)',
    });
    const bad = await paas(['hosts:tag', 'node-1', 'Pool=x']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^paas: Invalid tag key "Pool"/);
    expect(await h.store.get<HostTagOverride>(h.store.keys.hostTags('node-1'))).toEqual(before);
  });

  it('--reset goes back to the agent tags', async () => {
    expect((await paas(['hosts:tag', 'node-1', '--reset'])).out).toBe(
      'Resetting tags of node-1... done\nTags: pool=shared,ssd=true',
    );
    expect(await h.store.get(h.store.keys.hostTags('node-1'))).toBeUndefined();
  });
});

describe('paas apps:pool', () => {
  it('shows, sets (app as first argument or -a) and clears the pool', async () => {
    expect((await paas(['apps:pool', '-a', 'pool-cli'], owner.token)).out).toBe(
      'pool-cli has no pool: its containers may run on any host.',
    );
    const set = await paas(['apps:pool', 'pool-cli', 'pool=high', 'ssd=true'], owner.token);
    expect(set).toEqual({ code: 0, out: 'Setting pool of pool-cli to pool=high,ssd=true... done', err: '' });
    expect((await appRecord('pool-cli'))?.pool).toEqual({ pool: 'high', ssd: 'true' });
    expect((await paas(['apps:pool', 'pool-cli'], owner.token)).out).toBe('=== pool-cli Pool\npool=high,ssd=true');

    expect((await paas(['apps:pool', 'pool=shared', '-a', 'pool-cli'])).code).toBe(0); // an admin; the whole set is replaced
    expect((await appRecord('pool-cli'))?.pool).toEqual({ pool: 'shared' });
    expect(JSON.parse((await paas(['apps:pool', '-a', 'pool-cli', '--json'])).out)).toEqual({ pool: 'shared' });

    expect((await paas(['apps:pool', '--clear', '-a', 'pool-cli'], owner.token)).out).toBe(
      'Clearing pool of pool-cli... done',
    );
    expect((await appRecord('pool-cli'))?.pool).toBeUndefined();
  });

  it("exits 1 with the API's message for a collaborator or an invalid tag", async () => {
    const collab = await newUser(h, 'collab@example.com');
    await h.call('POST', '/apps/pool-cli/collaborators', { token: owner.token, body: { user: 'collab@example.com' } });
    expect(await paas(['apps:pool', 'pool-cli', 'pool=high'], collab.token)).toEqual({
      code: 1,
      out: '',
      err: 'paas: Only the owner of pool-cli can change its pool.',
    });
    const bad = await paas(['apps:pool', 'pool-cli', 'pool=a b'], owner.token);
    expect(bad).toMatchObject({
      code: 1,
      err: 'paas: Invalid value "a b" for tag pool: use 1 to 63 letters, digits, ".", "_" or "-"',
    });
    expect(await paas(['apps:pool', 'pool-cli', 'pool=x', '--clear'], owner.token)).toMatchObject({
      code: 1,
      err: 'paas: Give either tags or --clear, not both',
    });
    expect((await appRecord('pool-cli'))?.pool).toBeUndefined();
  });

  it('works as the built binary', async () => {
    const r = await runBin(['apps:pool', 'pool-bin', 'pool=high'], { ...process.env, ...env(owner.token) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('Setting pool of pool-bin to pool=high... done');
    expect((await appRecord('pool-bin'))?.pool).toEqual({ pool: 'high' });
    const hosts = await runBin(['hosts:tag', 'node-2', 'pool=low', '--json'], { ...process.env, ...env() });
    expect(hosts.status, hosts.stderr).toBe(0);
    expect(JSON.parse(hosts.stdout)).toMatchObject({
      id: 'node-2',
      tags: { pool: 'low' },
      tag_overrides: { pool: 'low' },
    });
  });
});
