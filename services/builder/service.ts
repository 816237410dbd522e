import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from '../core/logger.js';
import type { ServiceMetrics } from '../core/metrics.js';
import { controllerInventory, startCleanup } from './cleanup/cleanup.js';
import type { BuilderConfig } from './config.js';
import { ControllerClient, type Controller } from './controller.js';
import { DockerodeBuilder } from './build/dockerode.js';
import { BuildDisks } from './build/disks.js';
import { LayerDisks } from '../core/layerdisk.js';
import { startHookServer } from './push/hookserver.js';
import { Pushes } from './push/pushes.js';
import { BuildQueue } from './build/queue.js';
import { HttpBuildReporter } from './build/records.js';
import { readHostKey, startSshServer } from './push/sshserver.js';
import { BuilderMetrics } from './metrics.js';
import type { AppLocks } from './build/applock.js';

// The builder's parts wired together: the hook socket and the ssh server,
// sharing the pushes in progress, and the clean-up loop of destroyed apps. start.ts gives it the real clients.

async function ensureHostKey(path: string, log: Logger): Promise<void> {
  if (existsSync(path)) return;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await new Promise<void>((resolve, reject) => {
    const child = spawn('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'paas-builder', '-f', path], {
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ssh-keygen exited ${code}`))));
  });
  log.info({ path }, 'made a new ssh host key');
}

export interface Builder {
  sshPort: number;
  close(): Promise<void>;
}

export async function startBuilder(
  config: Readonly<BuilderConfig>,
  deps: {
    logger: Logger;
    docker: Docker;
    controller?: Controller;
    metrics?: ServiceMetrics;
    /** An app's builds across builders one at a time (applock.ts); none: this builder's queue only. */
    locks?: AppLocks;
  },
): Promise<Builder> {
  const { logger, docker } = deps;
  const queue = new BuildQueue(config.maxParallelBuilds);
  const metrics = deps.metrics && new BuilderMetrics(deps.metrics, queue);
  const controller = deps.controller ?? new ControllerClient(config.apiUrl, config.internalToken);
  const pushes = new Pushes();
  const activeBuilds = new Set<string>();
  const disks = config.buildDiskLimits
    ? new BuildDisks({ dir: config.buildDisksDir, buildMb: config.buildDiskMb, cacheMb: config.buildCacheMb })
    : undefined;
  await ensureHostKey(config.sshHostKey, logger);
  for (const dir of [config.reposDir, config.buildsDir, config.cacheDir]) await mkdir(dir, { recursive: true });
  const unmounted = await disks?.recover(config.buildsDir, config.cacheDir);
  if (unmounted?.length) logger.warn({ unmounted }, 'unmounted the build filesystems an earlier builder left');
  const hooks = await startHookServer(
    {
      settings: config,
      controller,
      docker: new DockerodeBuilder(docker, disks && new LayerDisks(config.buildDisksDir)),
      ...(disks && { disks }),
      logger,
      pushes,
      queue,
      ...(metrics && { metrics }),
      buildsDir: config.buildsDir,
      maxSourceBytes: config.maxSourceMb * 1024 * 1024,
      reporter: new HttpBuildReporter(config.apiUrl, config.internalToken),
      activeBuilds,
      ...(deps.locks && { locks: deps.locks }),
    },
    config.socketPath,
  );
  const ssh = await startSshServer(
    {
      controller,
      pushes,
      logger,
      hostKey: readHostKey(config.sshHostKey),
      reposDir: config.reposDir,
      nodePath: config.nodePath,
      hookScript: config.hookScript,
      socketPath: config.socketPath,
    },
    { host: config.sshListenHost, port: config.sshPort },
  );
  const stopCleanup = startCleanup(
    {
      reposDir: config.reposDir,
      cacheDir: config.cacheDir,
      cluster: config.cluster,
      docker,
      inventory: controllerInventory(config.apiUrl, config.internalToken),
      log: logger.child({ module: 'cleanup' }),
      keepReleaseImages: config.keepReleaseImages,
      activeBuilds,
      ...(deps.locks && { allActiveBuilds: deps.locks.activeBuilds.bind(deps.locks) }),
      ...(disks && { disks }),
    },
    config.cleanupMs,
  );
  return {
    sshPort: ssh.port,
    async close() {
      await stopCleanup();
      await ssh.close();
      await hooks.close();
    },
  };
}
