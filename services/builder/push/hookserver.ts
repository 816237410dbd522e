import { mkdir, rm, unlink, chmod } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarfs from 'tar-fs';
import type { Logger } from '../../core/logger.js';
import { newBuildId, runBuild, type BuildDeps } from '../build/build.js';
import { BuildFailure, ReleaseFailure } from '../failures.js';
import { DEPLOY_REFS } from './hooklines.js';
import { LimitExceeded } from '../build/limits.js';
import { sanitizeLine, topic, warn, type Output } from '../output.js';
import { BUILDS_PATH, HEADER_COMMIT, HEADER_PUSH, HEADER_REF, resultLine } from './protocol.js';
import type { Pushes } from './pushes.js';
import type { BuildQueue } from '../build/queue.js';
import { BuildRecorder, type BuildReporter } from '../build/records.js';
import type { AppLocks } from '../build/applock.js';
import type { BuilderMetrics, BuildOutcome } from '../metrics.js';

// The unix socket the pre-receive hooks talk to (protocol.ts).

export interface HookServerDeps extends BuildDeps {
  pushes: Pushes;
  queue: BuildQueue;
  buildsDir: string;
  maxSourceBytes: number;
  /** Where build records are reported (the controller); none: not recorded. */
  reporter?: BuildReporter;
  /** Ids of the builds in progress (the clean-up keeps their images). */
  activeBuilds?: Set<string>;
  /** Where builds are counted (metrics.ts); none: not counted. */
  metrics?: BuilderMetrics;
  /** An app's builds across builders, one at a time (applock.ts); none: this builder's queue only. */
  locks?: AppLocks;
}

export interface RunningHookServer {
  close(): Promise<void>;
}

export async function startHookServer(deps: HookServerDeps, socketPath: string): Promise<RunningHookServer> {
  const log = deps.logger.child({ module: 'hooks' });
  await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
  await unlink(socketPath).catch(() => undefined); // a stale socket from a previous run
  const server: Server = createServer((req, res) => {
    handle(req, res, deps, log).catch((err: unknown) => {
      log.error({ err }, 'hook request failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.requestTimeout = 0; // builds take as long as they take
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await chmod(socketPath, 0o600);
  log.info({ socketPath }, 'hook socket listening');
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(new BuildFailure(`the source is larger than ${Math.round(max / 1024 / 1024)} MB`));
      else done(null, chunk);
    },
  });
}

/**
 * Extracts the pushed tar into appDir. On a bad or too large tar the rest of
 * the body is drained, so the hook still gets the answer; a body cut off by
 * the hook (git archive failed, the pusher went away) is an error.
 */
async function receiveSource(req: IncomingMessage, appDir: string, maxBytes: number): Promise<void> {
  const limiter = byteLimit(maxBytes);
  req.on('close', () => {
    if (!req.complete) limiter.destroy(new Error('the upload of the source was cut off'));
  });
  req.pipe(limiter);
  try {
    await pipeline(limiter, tarfs.extract(appDir));
  } catch (err) {
    req.unpipe(limiter);
    req.resume();
    throw err instanceof BuildFailure
      ? err
      : new BuildFailure(`could not read the pushed source: ${(err as Error).message}`);
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: HookServerDeps, log: Logger): Promise<void> {
  if (req.method !== 'POST' || req.url !== BUILDS_PATH) {
    res.writeHead(404).end();
    return;
  }
  const push = deps.pushes.get(String(req.headers[HEADER_PUSH] ?? ''));
  const commit = String(req.headers[HEADER_COMMIT] ?? '');
  const ref = String(req.headers[HEADER_REF] ?? '');
  if (!push || !/^[0-9a-f]{40}$/.test(commit) || !DEPLOY_REFS.includes(ref)) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('unknown push\n');
    return;
  }
  const id = newBuildId();
  const dir = join(deps.buildsDir, id);
  const blog = log.child({ app: push.app, build: id, user: push.user.id });
  const aborter = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) aborter.abort();
  });
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  const wire: Output = { line: (text) => void (res.writableEnded ? undefined : res.write(sanitizeLine(text) + '\n')) };
  const recorder = deps.reporter && new BuildRecorder(deps.reporter, push.app, id, blog);
  const out = recorder ? recorder.tee(wire) : wire;
  deps.activeBuilds?.add(id);
  const counted = deps.metrics?.start();

  let ok = false;
  let outcome: BuildOutcome = 'error';
  let failure = '';
  let version: number | undefined;
  try {
    await recorder?.start(commit, push.user);
    recorder?.phase('fetch');
    const appDir = join(dir, 'app');
    if (deps.disks) await deps.disks.mountBuild(id, dir);
    await mkdir(appDir, { recursive: true });
    await receiveSource(req, appDir, deps.maxSourceBytes);
    topic(out, `Building ${push.app} (commit ${commit.slice(0, 7)}, build ${id})`);
    recorder?.phase('queue_wait');
    const waiting = deps.queue.waitReason(push.app);
    if (waiting) topic(out, waiting);
    const build = () => {
      recorder?.phase('compile');
      recorder?.status('building');
      return runBuild(
        {
          id,
          app: push.app,
          user: push.user,
          commit,
          dir,
          out,
          signal: aborter.signal,
          phase: (name) => recorder?.phase(name),
        },
        deps,
      );
    };
    const result = await deps.queue.run(push.app, () =>
      deps.locks
        ? deps.locks.run(push.app, id, build, {
            signal: aborter.signal,
            onWait: (holder) => topic(out, `Waiting for the build of ${push.app} on ${holder.builder} to finish...`),
          })
        : build(),
    );
    version = result.version;
    ok = true;
    outcome = 'succeeded';
  } catch (err) {
    if (err instanceof BuildFailure || err instanceof LimitExceeded) {
      outcome = 'failed';
      blog.info({ reason: err.message }, 'build failed');
      failure = err instanceof ReleaseFailure ? err.message : `Build failed: ${err.message}`;
    } else {
      blog.error({ err }, 'build error');
      failure = `Build failed: internal error (build ${id}); the platform's logs have the details`;
    }
    warn(out, failure);
  } finally {
    deps.activeBuilds?.delete(id);
    await deps.disks
      ?.unmountBuild(id, dir)
      .catch((err: unknown) => blog.warn({ err }, 'could not unmount the build dir'));
    await rm(dir, { recursive: true, force: true }).catch((err: unknown) =>
      blog.warn({ err }, 'could not remove the build dir'),
    );
  }
  if (!ok) warn(out, `Push rejected to ${push.app}.`);
  await recorder?.finish(
    ok ? { status: 'succeeded', ...(version !== undefined && { release: version }) } : { status: 'failed', failure },
  );
  res.end(resultLine(ok ? 'ok' : 'failed'));
  counted?.(outcome);
}
