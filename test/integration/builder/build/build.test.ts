import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, waitFor } from '../../../support/run.js';
import { commitApp, makeKey, must, run, stackImagesExist, startHarness, type Harness } from '../harness.js';

// A real push of a tiny Express app: git over ssh, the buildpack in a build
// container, the app image on the run stack, the release request.

const haveStacks = await stackImagesExist(new Docker());

const SERVER_JS = `const fs = require('fs');
const express = require('express');
const app = express();
const built = fs.readFileSync(__dirname + '/built.txt', 'utf8').trim();
app.get('/', (req, res) => res.send('hello from tiny; ' + built + '\\n'));
app.listen(process.env.PORT);
`;

function packageJson(buildScript: string): string {
  return (
    JSON.stringify(
      {
        name: 'tiny',
        version: '1.0.0',
        private: true,
        scripts: { start: 'node server.js', build: buildScript },
        dependencies: { express: '^4.21.2' },
      },
      null,
      2,
    ) + '\n'
  );
}

async function tinyApp(dir: string, buildScript: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), packageJson(buildScript));
  await must('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: dir });
  return commitApp(dir, { 'server.js': SERVER_JS });
}

describe.skipIf(!haveStacks)('builder: a push builds, makes the image and releases', () => {
  let h: Harness;
  let key: { path: string; fingerprint: string };

  beforeAll(async () => {
    h = await startHarness();
    key = await makeKey(h.dir, 'alice');
    h.controller.users.set(key.fingerprint, { id: 'u-alice', email: 'alice@example.com' });
    h.controller.apps.set('tiny', { owner: 'u-alice', uid: 100_123, config: { GREETING: 'hi there', PATH: '/nope' } });
    h.controller.apps.set('broken', { owner: 'u-alice', config: {} });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('pushes a tiny Express app that then answers HTTP as the uid of the app', async () => {
    const work = join(h.dir, 'tiny');
    const commit = await tinyApp(work, 'echo "GREETING=$GREETING" > built.txt');
    const started = Date.now();
    const r = await h.push({ key: key.path, app: 'tiny', cwd: work });
    const coldMs = Date.now() - started;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('remote: -----> Node.js app detected');
    expect(r.stderr).toContain('remote:        Installing node modules (package.json + package-lock)');
    expect(r.stderr).toContain('remote: -----> Released v1');
    expect(r.stderr).toContain('remote:        http://tiny.localhost/ deployed');

    const releases = h.controller.releaseRequests('tiny');
    expect(releases).toHaveLength(1);
    const body = releases[0]?.body as {
      image: string;
      processTypes: Record<string, string>;
      commit: string;
      buildId: string;
      description: string;
      user: string;
    };
    expect(body).toMatchObject({
      processTypes: { web: 'npm start' },
      commit,
      description: `Deploy ${commit.slice(0, 7)}`,
      user: 'u-alice',
    });
    expect(body.image).toBe(`${h.cluster}/app-tiny:${body.buildId}`);
    const image = await h.docker.getImage(body.image).inspect();
    expect(image.Config.Labels).toMatchObject({
      'paas.app': 'tiny',
      'paas.commit': commit,
      'paas.build': body.buildId,
      'paas.uid': '100123',
    });
    // the slug is the app's uid's, which is `app` in the image; its build ran as it too
    const owners = await run('docker', [
      'run',
      '--rm',
      '--user',
      '100123:100123',
      '--label',
      `paas.cluster=${h.cluster}`,
      body.image,
      'sh',
      '-c',
      'stat -c %u:%g /app /app/server.js; id; touch /app/written && echo writable',
    ]);
    expect(owners.stdout + owners.stderr).toBe(
      '100123:100123\n100123:100123\nuid=100123(app) gid=100123(app) groups=100123(app)\nwritable\n',
    );

    // the ref moved only because the build succeeded
    const head = await must('git', [
      '--git-dir',
      join(h.stateDir, 'repos', 'tiny.git'),
      'rev-parse',
      'refs/heads/main',
    ]);
    expect(head.stdout.trim()).toBe(commit);

    const container = await h.docker.createContainer({
      Image: body.image,
      Cmd: ['paas-launch', 'npm start'],
      User: '100123:100123',
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
      const info = await container.inspect();
      const port = Number(info.NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort);
      const res = await waitFor('the app to answer', 30_000, async () => {
        if (!(await container.inspect()).State.Running)
          throw new Error(`the app exited: ${(await container.logs({ stdout: true, stderr: true })).toString()}`);
        const got = await httpGet(port, 'localhost');
        return got.status === 200 ? got : undefined;
      });
      expect(res.body).toBe('hello from tiny; GREETING=hi there\n');
      expect(info.Config.User).toBe('100123:100123');
    } finally {
      await container.remove({ force: true });
    }

    // a second push of a new commit uses the npm cache
    await writeFile(join(work, 'README.md'), 'tiny\n');
    await must('git', ['add', '-A'], { cwd: work });
    await must('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'two'], {
      cwd: work,
    });
    const again = Date.now();
    const r2 = await h.push({ key: key.path, app: 'tiny', cwd: work });
    const warmMs = Date.now() - again;
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toContain('remote: -----> Released v2');
    process.stderr.write(`builder push times: cold ${coldMs} ms, warm ${warmMs} ms\n`);
  });

  it('fails the push when the build script fails, and makes no release', async () => {
    const work = join(h.dir, 'broken');
    await tinyApp(work, 'echo "about to fail"; exit 1');
    const r = await h.push({ key: key.path, app: 'broken', cwd: work });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('remote: -----> Node.js app detected');
    expect(r.stderr).toContain('remote:        about to fail');
    expect(r.stderr).toContain('remote:  !     The build script failed');
    expect(r.stderr).toContain('remote:  !     Build failed:');
    expect(r.stderr).toMatch(/pre-receive hook declined/);
    expect(h.controller.releaseRequests('broken')).toEqual([]);
    const ref = await run('git', [
      '--git-dir',
      join(h.stateDir, 'repos', 'broken.git'),
      'rev-parse',
      '--verify',
      '-q',
      'refs/heads/main',
    ]);
    expect(ref.code).not.toBe(0);
    const images = await h.docker.listImages({ filters: { label: ['paas.app=broken', `paas.cluster=${h.cluster}`] } });
    expect(images).toEqual([]);
  });

  it('stops a build whose pusher hung up, and releases nothing', async () => {
    h.controller.apps.set('cut', { owner: 'u-alice', config: {} });
    const work = join(h.dir, 'cut');
    await tinyApp(work, 'echo building');
    const git = spawn('git', ['push', `ssh://git@127.0.0.1:${h.builder.sshPort}/cut.git`, 'main'], {
      cwd: work,
      detached: true, // its own process group: git and its ssh go together
      env: {
        ...process.env,
        GIT_SSH_COMMAND: `ssh -i ${key.path} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => git.on('close', (code) => resolve(code)));
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      git.stderr.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('Installing dependencies')) resolve();
      });
      git.on('close', () => reject(new Error(`git push ended before the build started:\n${seen}`)));
    });
    process.kill(-(git.pid as number), 'SIGKILL');
    expect(await exited).not.toBe(0);

    const buildsDir = join(h.stateDir, 'builds');
    await waitFor('the build to stop and clean up', 60_000, async () =>
      (await readdir(buildsDir)).length === 0 ? true : undefined,
    );
    expect(h.controller.releaseRequests('cut')).toEqual([]);
    const left = await h.docker.listContainers({
      all: true,
      filters: { label: [`paas.cluster=${h.cluster}`, 'paas.app=cut'] },
    });
    expect(left).toEqual([]);
    const images = await h.docker.listImages({ filters: { label: ['paas.app=cut', `paas.cluster=${h.cluster}`] } });
    expect(images).toEqual([]);
  });
});
