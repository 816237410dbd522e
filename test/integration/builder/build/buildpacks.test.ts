import { createReadStream } from 'node:fs';
import { cp, mkdir, readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from '../../../support/run.js';
import { commitApp, makeKey, must, stackImagesExist, startHarness, type Harness } from '../harness.js';

// The buildpack contract with small classic buildpacks written the way third
// parties write them (test/fixtures/buildpacks: hello, chained): detect order,
// the env dir, export chaining, release YAML with config_vars, .profile.d at
// run time, the app's own list, BUILDPACK_URL with a tarball from a server on
// the Docker bridge's address (buildpacks are fetched from a container, as an
// app would fetch them), .buildpacks with a git repository, each failure
// message, and the platform's own addresses refused.

const haveStacks = await stackImagesExist(new Docker());
const FIXTURES = join(REPO_DIR, 'test/fixtures/buildpacks');

interface ReleaseBody {
  image: string;
  processTypes: Record<string, string>;
  configDefaults?: Record<string, string>;
}

describe.skipIf(!haveStacks)('builder: the buildpack contract', () => {
  let h: Harness;
  let key: string;
  let server: Server;
  let serverUrl = '';
  const served: string[] = [];
  let gitUrl = '';
  let internal: Server;
  let internalPort = 0;
  const internalHits: string[] = [];

  beforeAll(async () => {
    h = await startHarness({
      PAAS_BUILDPACKS_DIR: FIXTURES,
      PAAS_BUILDPACKS: 'hello,chained',
      PAAS_BUILDPACKS_ALLOW_FILE: 'true',
    });
    const k = await makeKey(h.dir, 'bp');
    key = k.path;
    h.controller.users.set(k.fingerprint, { id: 'u-bp', email: 'bp@example.com' });

    // hello as a tarball with one top folder, as GitHub serves them
    const tarDir = join(h.dir, 'tarball');
    await mkdir(tarDir, { recursive: true });
    await cp(join(FIXTURES, 'hello'), join(tarDir, 'hello-buildpack-1.0'), { recursive: true });
    await must('tar', ['-czf', join(h.dir, 'hello.tgz'), '-C', tarDir, 'hello-buildpack-1.0']);
    // What must never be reached on a tenant's behalf: a listener on the host's loopback, as etcd and the API are.
    internal = createServer((req, res) => {
      internalHits.push(req.url ?? '');
      res.writeHead(200).end('secret');
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    internalPort = (internal.address() as AddressInfo).port;
    server = createServer((req, res) => {
      served.push(req.url ?? '');
      if (req.url === '/hello.tgz')
        createReadStream(join(h.dir, 'hello.tgz')).pipe(res.writeHead(200, { 'content-type': 'application/gzip' }));
      else if (req.url === '/to-loopback.tgz')
        res.writeHead(302, { location: `http://127.0.0.1:${internalPort}/x.tgz` }).end();
      else res.writeHead(404).end('no');
    });
    // On the Docker bridge's own address, which containers reach (a host's loopback they never do).
    const gateway =
      ((await h.docker.getNetwork('bridge').inspect()).IPAM?.Config?.[0] as { Gateway?: string } | undefined)
        ?.Gateway ?? '172.17.0.1';
    await new Promise<void>((resolve) => server.listen(0, gateway, resolve));
    serverUrl = `http://${gateway}:${(server.address() as AddressInfo).port}`;

    // hello as a git repository (bare, file://)
    const work = join(h.dir, 'hello-src');
    await cp(join(FIXTURES, 'hello'), work, { recursive: true });
    await commitApp(work, {});
    await must('git', ['tag', 'v1'], { cwd: work });
    await must('git', ['clone', '-q', '--bare', work, join(h.dir, 'hello.git')]);
    gitUrl = `file://${join(h.dir, 'hello.git')}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (internal ? internal.close(() => resolve()) : resolve()));
    await h?.close();
  });

  async function push(
    app: string,
    files: Record<string, string>,
    opts: { config?: Record<string, string>; buildpacks?: string[] } = {},
  ) {
    h.controller.apps.set(app, {
      owner: 'u-bp',
      config: opts.config ?? {},
      ...(opts.buildpacks && { buildpacks: opts.buildpacks }),
    });
    const dir = join(h.dir, `src-${app}`);
    await commitApp(dir, files);
    const r = await h.push({ key, app, cwd: dir });
    const bodies = h.controller.releaseRequests(app).map((x) => x.body as ReleaseBody);
    return { ...r, release: bodies.at(-1) };
  }

  /** Runs CMD in the app image as a dyno would (paas-launch), returns its output. */
  async function launch(image: string, cmd: string): Promise<string> {
    const r = await must('docker', [
      'run',
      '--rm',
      '--user',
      '1000:1000',
      '--label',
      `paas.cluster=${h.cluster}`,
      image,
      'paas-launch',
      cmd,
    ]);
    return r.stdout;
  }

  it('detects in the configured order, gives the env dir, keeps config_vars only as defaults, and .profile.d works at run time', async () => {
    const r = await push('bp-order', { 'hello.txt': 'hi\n' }, { config: { GREETING: 'hi there', OTHER: 'x' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('remote: -----> Hello app detected');
    expect(r.stderr).not.toContain('Chained app detected'); // chained detects too, but comes second
    expect(r.release?.processTypes).toEqual({ web: 'hello && sleep 600' });
    expect(r.release?.configDefaults).toEqual({ HELLO_DEFAULT: 'from bin/release' }); // GREETING is the app's own
    const out = await launch(
      r.release?.image as string,
      'hello; echo "profile: $HELLO_PROFILE"; cat env-names.txt env-greeting.txt',
    );
    expect(out).toBe('hello from the hello buildpack\nprofile: set by .profile.d\nGREETING\nOTHER\nhi there');
  });

  it('says which buildpacks were tried when none detects, and refuses the push', async () => {
    const r = await push('bp-none', { 'README.md': 'nothing to build\n' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('No default language could be detected for this app. Tried: hello, chained.');
    expect(h.controller.releaseRequests('bp-none')).toHaveLength(0);
  });

  it('names the buildpack whose compile failed', async () => {
    const r = await push('bp-fail', { 'chained-me': '' }); // chained alone: no `hello` on PATH
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Chained app detected');
    expect(r.stderr).toContain('Failed to compile app with buildpack chained');
  });

  it("runs the app's own list in order: export chaining, the last release's process types, every config_vars", async () => {
    const r = await push('bp-list', { 'hello.txt': 'hi\n' }, { buildpacks: ['hello', 'chained'] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Using buildpacks from the app: hello, chained');
    expect(r.stderr).toContain('Chained sees HELLO_EXPORTED=from the hello buildpack');
    expect(r.release?.processTypes).toEqual({ worker: 'cat chained.txt && sleep 600' });
    expect(r.release?.configDefaults).toEqual({
      HELLO_DEFAULT: 'from bin/release',
      GREETING: 'not used when the app sets it',
      CHAINED_DEFAULT: 'from chained',
    });
    expect(await launch(r.release?.image as string, 'cat chained.txt chained-hello.txt')).toBe(
      'from the hello buildpack\nhello from the hello buildpack\n',
    );
  });

  it('fails an explicit buildpack whose detect fails, naming it', async () => {
    const r = await push('bp-incompat', { 'chained-me': '' }, { buildpacks: ['hello'] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('App not compatible with buildpack: hello');
  });

  it('fetches a BUILDPACK_URL tarball on the platform once, then uses the cache', async () => {
    const url = `${serverUrl}/hello.tgz`;
    const first = await push('bp-tgz', { 'hello.txt': 'a\n' }, { config: { BUILDPACK_URL: url } });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`Using buildpacks from BUILDPACK_URL: ${url}`);
    expect(first.stderr).toContain('Hello app detected');
    const second = await push('bp-tgz', { 'hello.txt': 'b\n' }, { config: { BUILDPACK_URL: url } });
    expect(second.code, second.stderr).toBe(0);
    expect(served.filter((u) => u === '/hello.tgz')).toHaveLength(1);
    expect((await readdir(join(h.stateDir, 'buildpacks-cache'))).filter((n) => /^[0-9a-f]{64}$/.test(n))).toHaveLength(
      1,
    );
  });

  it('names the URL and the reason when a fetch fails', async () => {
    const r = await push('bp-404', { 'hello.txt': 'a\n' }, { config: { BUILDPACK_URL: `${serverUrl}/missing.tgz` } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Could not fetch the buildpack ${serverUrl}/missing.tgz: HTTP 404`);
    const bad = await push(
      'bp-scheme',
      { 'hello.txt': 'a\n' },
      { config: { BUILDPACK_URL: 'ftp://example.com/x.tgz' } },
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('BUILDPACK_URL: Buildpack URL "ftp://example.com/x.tgz" must use http, https, file');
  });

  it("refuses the platform's own addresses up front, naming the URL, and sends them nothing", async () => {
    const urls = [
      `http://127.0.0.1:${internalPort}/version`,
      `http://localhost:${internalPort}/internal/apps.tgz`,
      'http://169.254.169.254/latest/meta-data/',
      `http://[::1]:${internalPort}/x.git`,
    ];
    for (const [i, url] of urls.entries()) {
      const r = await push(`bp-ssrf${i}`, { 'hello.txt': 'a\n', '.buildpacks': `${url}\n` });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`.buildpacks line 1: Buildpack URL ${JSON.stringify(url)} points at a`);
      expect(r.stderr).toContain('the platform refuses loopback, unspecified and link-local (metadata) addresses');
    }
    const cfg = await push(
      'bp-ssrf-cfg',
      { 'hello.txt': 'a\n' },
      { config: { BUILDPACK_URL: `http://127.0.0.1:${internalPort}/version` } },
    );
    expect(cfg.code).not.toBe(0);
    expect(cfg.stderr).toContain('BUILDPACK_URL: Buildpack URL');
    expect(internalHits).toEqual([]);
  });

  it("fetches from a container: a redirect to the host's loopback reaches nothing and fails the build", async () => {
    const url = `${serverUrl}/to-loopback.tgz`;
    const r = await push('bp-redirect', { 'hello.txt': 'a\n' }, { config: { BUILDPACK_URL: url } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Could not fetch the buildpack ${url}: connection refused`);
    expect(served).toContain('/to-loopback.tgz');
    expect(internalHits).toEqual([]);
  });

  it('takes a .buildpacks file: a git repository at a ref, then one of ours', async () => {
    const r = await push('bp-dot', {
      'hello.txt': 'a\n',
      '.buildpacks': `# the hello buildpack, pinned\n${gitUrl}#v1\nchained\n`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Using buildpacks from .buildpacks: ${gitUrl}#v1, chained`);
    expect(r.stderr).toContain('Chained sees HELLO_EXPORTED=from the hello buildpack');
    const bad = await push('bp-dotbad', { 'hello.txt': 'a\n', '.buildpacks': 'chained\nnope-not-ours\n' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('.buildpacks line 2: Unknown buildpack "nope-not-ours"');
  });
});
