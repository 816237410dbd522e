import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { createLogger } from '../../../services/core/logger.js';
import { parsePublicKey } from '../../../services/core/sshkeys.js';
import { loadConfig } from '../../../services/builder/config.js';
import { startBuilder, type Builder } from '../../../services/builder/service.js';
import { spawn } from 'node:child_process';
import { REPO_DIR, type Result } from '../../support/run.js';

// A real builder (ssh2 server, hook socket, Docker) in this process, with a
// small HTTP server standing in for the controller's /internal endpoints.

export interface FakeApp {
  owner: string;
  /** The app's uid (App.uid); absent: an app made before uids per app. */
  uid?: number;
  config: Record<string, string>;
  /** The app's own buildpack list (GET /internal/apps/:app's buildpacks). */
  buildpacks?: string[];
  /** build_cache_generation (builds:cache:clear bumps it). */
  cacheGeneration?: number;
  /** Set: the app's latest release fails with this reason (release_status), the one before keeps serving. */
  releaseFailure?: string;
  /**
   * Set: what a log session of the release one-off streams (as the controller would): `earlier` lines of an hour ago
   * (an earlier release phase), then these output lines and its exit, stamped now.
   */
  /** `exit` absent: the exit line has not reached the log yet. */
  releaseLog?: { earlier?: string[]; lines: string[]; exit?: number };
}

/** A build record as the builder reported it (POST, then PATCHes merged; appended lines joined). */
export interface FakeBuild {
  app: string;
  id: string;
  commit: string;
  user: { id: string; email: string };
  status: string;
  release?: number;
  failure?: string;
  phases: Record<string, number>;
  lines: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

export class FakeController {
  readonly requests: RecordedRequest[] = [];
  readonly users = new Map<string, { id: string; email: string }>(); // fingerprint -> user
  readonly apps = new Map<string, FakeApp>();
  readonly builds = new Map<string, FakeBuild>(); // id -> build
  /** Every release's image, for GET /internal/apps. */
  readonly releaseImages = new Map<string, Array<{ version: number; image: string }>>();
  private versions = new Map<string, number>();
  private server: Server | undefined;
  url = '';

  constructor(private readonly token: string) {}

  releaseRequests(app?: string): RecordedRequest[] {
    return this.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path.endsWith('/releases') &&
        (app === undefined || r.path === `/internal/apps/${app}/releases`),
    );
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const path = req.url ?? '';
        this.requests.push({ method: req.method ?? '', path, auth: req.headers.authorization, body });
        const send = (status: number, data: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
        const stream = /^\/log-stream\/([a-z0-9-]+)$/.exec(path);
        if (req.method === 'GET' && stream) {
          // A log session's URL (no token): the release one-off's lines, stamped now, then kept open as a tail is.
          const log = this.apps.get(stream[1] as string)?.releaseLog;
          const line = (source: string, text: string, ago = 0) =>
            `${new Date(Date.now() - ago).toISOString().replace(/Z$/, '000+00:00')} ${source}[release.1]: ${text}\n`;
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
          if (log)
            res.write(
              [
                ...(log.earlier ?? []).map((l) => line('app', l, 3_600_000)),
                ...log.lines.map((l) => line('app', l)),
                ...(log.exit === undefined ? [] : [line('paas', `Process exited with status ${log.exit}`)]),
              ].join(''),
            );
          return;
        }
        if (req.headers.authorization !== `Bearer ${this.token}`)
          return send(401, { id: 'unauthorized', message: 'bad token' });
        const b = (body ?? {}) as Record<string, string>;
        if (req.method === 'POST' && path === '/internal/authorize') {
          const user = this.users.get(b.fingerprint ?? '');
          if (!user) return send(404, { id: 'not_found', message: 'unknown key' });
          if (b.app === undefined) return send(200, { user });
          const app = this.apps.get(b.app);
          if (!app) return send(404, { id: 'not_found', message: "Couldn't find that app." });
          if (app.owner !== user.id) return send(403, { id: 'forbidden', message: 'no access' });
          return send(200, { user });
        }
        const bm = /^\/internal\/apps\/([a-z0-9-]+)\/builds(?:\/([A-Za-z0-9._-]+))?$/.exec(path);
        if (bm) {
          const rec = (body ?? {}) as Partial<FakeBuild> & { append?: string[] };
          if (req.method === 'POST' && !bm[2] && this.apps.has(bm[1] as string)) {
            this.builds.set(rec.id as string, {
              app: bm[1] as string,
              id: rec.id as string,
              commit: rec.commit as string,
              user: rec.user as FakeBuild['user'],
              status: 'pending',
              phases: {},
              lines: [],
            });
            return send(201, { id: rec.id, status: 'pending' });
          }
          const build = bm[2] ? this.builds.get(bm[2]) : undefined;
          if (req.method !== 'PATCH' || !build) return send(404, { id: 'not_found', message: 'no such build' });
          const { append, phases, ...rest } = rec;
          Object.assign(build, rest, {
            phases: { ...build.phases, ...phases },
            lines: [...build.lines, ...(append ?? [])],
          });
          return send(200, { id: build.id, status: build.status });
        }
        if (req.method === 'GET' && path === '/internal/apps') {
          return send(
            200,
            [...this.apps.keys()].map((name) => {
              const releases = [...(this.releaseImages.get(name) ?? [])].reverse();
              return { name, images: [...new Set(releases.map((r) => r.image))].sort(), releases };
            }),
          );
        }
        const ls = /^\/internal\/apps\/([a-z0-9-]+)\/log-sessions$/.exec(path);
        if (req.method === 'POST' && ls) {
          if (!this.apps.has(ls[1] as string))
            return send(404, { id: 'not_found', message: "Couldn't find that app." });
          return send(201, { id: 'ls', logplex_url: `${this.url}/log-stream/${ls[1]}` });
        }
        const m = /^\/internal\/apps\/([a-z0-9-]+)(\/releases)?$/.exec(path);
        const app = m ? this.apps.get(m[1] as string) : undefined;
        if (!m || !app) return send(404, { id: 'not_found', message: 'not found' });
        const name = m[1] as string;
        const webUrl = `http://${name}.localhost/`;
        const version = this.versions.get(name) ?? 0;
        if (req.method === 'GET' && !m[2]) {
          // A stand-in platform serves each release the moment it exists.
          const failed = app.releaseFailure !== undefined && version > 0;
          const release_status = failed
            ? { version, status: 'failed', failure: app.releaseFailure }
            : { version, status: 'succeeded', failure: null };
          return send(200, {
            app: { name, ...(app.uid && { uid: app.uid }) },
            release: version ? { version, config: app.config } : { version: 0, config: app.config },
            serving_release: failed ? version - 1 : version,
            release_status,
            web_url: webUrl,
            git_url: '',
            buildpacks: app.buildpacks ?? [],
            build_cache_generation: app.cacheGeneration ?? 0,
          });
        }
        if (req.method === 'POST' && m[2]) {
          this.versions.set(name, version + 1);
          this.releaseImages.set(name, [
            ...(this.releaseImages.get(name) ?? []),
            { version: version + 1, image: b.image as string },
          ]);
          return send(201, { release: { ...b, app: name, version: version + 1, config: app.config }, web_url: webUrl });
        }
        return send(405, { id: 'bad_request', message: 'no' });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections(); // log streams stay open as tails do
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += (chunk as Buffer).toString();
  return text ? JSON.parse(text) : undefined;
}

/** The hook must run as compiled JavaScript (git runs it); compile just it, with its two imports. */
export async function compileHook(dir: string): Promise<string> {
  const out = join(dir, 'hook');
  await must(join(REPO_DIR, 'node_modules/.bin/tsc'), [
    '--outDir',
    out,
    '--rootDir',
    join(REPO_DIR, 'services/builder/push'),
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--target',
    'ES2022',
    '--strict',
    '--skipLibCheck',
    '--types',
    'node',
    join(REPO_DIR, 'services/builder/push/hook.ts'),
  ]);
  await writeFile(join(out, 'package.json'), '{"type":"module"}\n');
  return join(out, 'hook.js');
}

export async function makeKey(dir: string, name: string): Promise<{ path: string; fingerprint: string }> {
  const path = join(dir, name);
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  return { path, fingerprint: parsePublicKey(await readFile(`${path}.pub`, 'utf8')).fingerprint };
}

export interface Harness {
  dir: string;
  cluster: string;
  stateDir: string;
  controller: FakeController;
  builder: Builder;
  docker: Docker;
  push(opts: { key: string; app: string; cwd: string; ref?: string }): Promise<Result>;
  close(): Promise<void>;
}

/** env: more builder settings (e.g. PAAS_BUILDPACKS_DIR, PAAS_BUILDPACKS). */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'paas-builder-'));
  const stateDir = join(dir, 'state');
  const token = randomBytes(16).toString('hex');
  const cluster = `tb${randomBytes(3).toString('hex')}`;
  const controller = new FakeController(token);
  await controller.start();
  const hookScript = await compileHook(dir);
  const config = loadConfig({
    PAAS_STATE_DIR: stateDir,
    PAAS_CLUSTER: cluster,
    PAAS_SSH_PORT: '0',
    PAAS_API_URL: controller.url,
    PAAS_INTERNAL_TOKEN: token,
    PAAS_BUILDER_HOOK_SCRIPT: hookScript,
    PAAS_BUILD_MEMORY_MB: '1024',
    PAAS_LOG_LEVEL: 'warn',
    ...env,
  });
  const docker = new Docker();
  const builder = await startBuilder(config, {
    logger: createLogger('builder-test', process.env.BUILDER_TEST_LOG_LEVEL ?? 'warn'),
    docker,
  });
  return {
    dir,
    cluster,
    stateDir,
    controller,
    builder,
    docker,
    push: ({ key, app, cwd, ref = 'main' }) =>
      run('git', ['push', `ssh://git@127.0.0.1:${builder.sshPort}/${app}.git`, ref], {
        cwd,
        env: {
          GIT_SSH_COMMAND: `ssh -i ${key} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`,
        },
      }),
    async close() {
      await builder.close();
      await controller.stop();
      const containers = await docker.listContainers({ all: true, filters: { label: [`paas.cluster=${cluster}`] } });
      for (const c of containers)
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
      const images = await docker.listImages({ filters: { label: [`paas.cluster=${cluster}`] } });
      for (const i of images)
        await docker
          .getImage(i.Id)
          .remove({ force: true })
          .catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a command with an argument array and no stdin; never throws on a
 * non-zero exit. (support/run.ts writes to stdin, which races with commands
 * that exit at once: EPIPE.)
 */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export async function must(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): Promise<Result> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** A git work tree with the given files committed on main; returns the commit. */
export async function commitApp(dir: string, files: Record<string, string>): Promise<string> {
  await must('git', ['init', '-q', '-b', 'main', dir]);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await must('git', ['add', '-A'], { cwd: dir });
  await must('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'app'], {
    cwd: dir,
  });
  return (await must('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
}

export async function stackImagesExist(docker: Docker): Promise<boolean> {
  for (const ref of ['paas/stack-build:latest', 'paas/stack-run:latest']) {
    try {
      await docker.getImage(ref).inspect();
    } catch {
      return false;
    }
  }
  return true;
}
