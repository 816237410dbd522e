import type { BuildPhase } from '../../core/builds.js';
import type { Logger } from '../../core/logger.js';
import { DEFAULT_RELEASE_TIMEOUT_MS } from '../../core/releasephase.js';
import type { HealthCheck, ProcessTypes } from '../../core/types.js';
import type { Controller, Pusher } from '../controller.js';
import { ReleaseFailure } from '../failures.js';
import { info, topic, warn, type Output } from '../output.js';
import { ReleasePhaseFollower } from './releaselog.js';

// After the app image: the release (vN+1, made by the controller), then
// "Launching...": the push stays open until the router serves it, showing
// the release command's output meanwhile when the app has one.

export interface LaunchSettings {
  /**
   * How long a push waits for its release to serve before it ends anyway (0: not at all); after its release phase, when
   * it has one.
   */
  deployWaitMs: number;
  /**
   * How long a release command may run (the scheduler's PAAS_SCHEDULER_RELEASE_TIMEOUT_MS): a push with one waits that
   * much longer.
   */
  releaseTimeoutMs?: number;
}

export interface LaunchDeps {
  settings: LaunchSettings;
  controller: Controller;
  logger: Logger;
}

/** The push being released: its build, and where its output goes. */
export interface LaunchJob {
  /** The build's id. */
  id: string;
  app: string;
  user: Pusher;
  commit: string;
  out: Output;
  signal: AbortSignal;
  phase?: (name: BuildPhase) => void;
}

/** What the build made: the release's image, process types, app.json check and bin/release's config defaults. */
export interface BuiltSlug {
  image: string;
  processTypes: ProcessTypes;
  healthcheck?: HealthCheck;
  configDefaults?: Record<string, string>;
}

export async function releaseAndLaunch(
  job: LaunchJob,
  deps: LaunchDeps,
  built: BuiltSlug,
): Promise<{ version: number; webUrl: string }> {
  const log = deps.logger.child({ module: 'build', build: job.id, app: job.app });
  job.phase?.('release');
  const beforeRelease = Date.now();
  const { release, web_url } = await deps.controller.createRelease(job.app, {
    image: built.image,
    processTypes: built.processTypes,
    ...(built.healthcheck && { healthcheck: built.healthcheck }),
    commit: job.commit,
    buildId: job.id,
    description: `Deploy ${job.commit.slice(0, 7)}`,
    user: job.user.id,
    ...(built.configDefaults && { configDefaults: built.configDefaults }),
  });
  log.info({ version: release.version, image: built.image }, 'released');
  topic(job.out, `Released v${release.version}`);
  job.phase?.('launch');
  let phase: { sinceMs: number } | undefined;
  if (built.processTypes.release !== undefined) {
    topic(job.out, `Running release command: ${built.processTypes.release}`);
    const createdAt = Date.parse(release.createdAt ?? ''); // its one-off's lines are not older
    phase = { sinceMs: Number.isFinite(createdAt) ? createdAt : beforeRelease };
  }
  await waitUntilServing(deps, job, release.version, phase);
  info(job.out, `${web_url} deployed`);
  return { version: release.version, webUrl: web_url };
}

/**
 * Whether the release phase of `version` is known to have succeeded before its release serves: the command's exit
 * line said 0, or the release's status is `succeeded` (its rollout is done). A `pending` status says nothing: the
 * controller answers it for the latest release until it serves, before its release phase as after it (an engine that
 * fetches the image first starts the command seconds after the release). Pure.
 */
export function releasePhaseSucceeded(
  version: number,
  status: { version: number; status: string } | null | undefined,
  exitCode: number | undefined,
): boolean {
  return exitCode === 0 || (status?.version === version && status.status === 'succeeded');
}

/**
 * Keeps the push open until the router serves the new release, as Heroku's
 * "Launching..." does, so the app answers with the new code when `git push`
 * returns. With a release phase (`phase`), the release command's output is
 * shown meanwhile (releaselog.ts), then its outcome; the wait may then last
 * the release timeout more, and once the command succeeded the usual wait
 * counts from its end. A release the scheduler failed (release phase, its
 * timeout, or its containers never came up) fails the push with the reason
 * (ReleaseFailure). One that is merely still starting when the wait ends is
 * not an error of the push: the previous release keeps serving, and the
 * pusher is told.
 */
async function waitUntilServing(
  deps: LaunchDeps,
  job: LaunchJob,
  version: number,
  phase?: { sinceMs: number },
): Promise<void> {
  const waitMs = deps.settings.deployWaitMs;
  if (waitMs <= 0) return;
  const started = Date.now();
  const seconds = (from: number) => `${((Date.now() - from) / 1000).toFixed(1)}s`;
  let deadline = started + waitMs + (phase ? (deps.settings.releaseTimeoutMs ?? DEFAULT_RELEASE_TIMEOUT_MS) : 0);
  const log = deps.logger.child({ module: 'release-phase', app: job.app, version });
  const follower =
    phase &&
    new ReleasePhaseFollower({ controller: deps.controller, app: job.app, sinceMs: phase.sinceMs, out: job.out, log });
  let phaseOver = !follower;
  /**
   * The release command's output is complete: its outcome is told. It
   * succeeded when its exit line said 0, or when the scheduler says so (the
   * release was recorded released or serves) before that line reached us.
   */
  const endPhase = async (succeeded: boolean) => {
    if (phaseOver || !follower) return;
    phaseOver = true;
    await follower.finish();
    if (succeeded || follower.exitCode === 0) topic(job.out, `Release command succeeded (${seconds(started)})`);
  };
  try {
    while (Date.now() < deadline && !job.signal.aborted) {
      const app = await deps.controller.getApp(job.app).catch(() => undefined);
      const serving = app?.serving_release ?? 0;
      const status = app?.release_status;
      if (status?.version === version && status.status === 'failed') {
        await endPhase(false);
        const keeps = serving > 0 ? `v${serving} keeps serving` : 'no release is serving';
        throw new ReleaseFailure(`Launching... failed: ${status.failure ?? 'the release failed'}; ${keeps}`);
      }
      if (serving >= version) {
        await endPhase(true);
        topic(job.out, `Launching... done, v${version} is serving (${seconds(started)})`);
        return;
      }
      if (!phaseOver && releasePhaseSucceeded(version, status, follower?.exitCode)) {
        await endPhase(true);
        deadline = Math.min(deadline, Date.now() + waitMs);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  } finally {
    await follower?.stop();
  }
  warn(
    job.out,
    `v${version} is not serving after ${Math.round((Date.now() - started) / 1000)}s; the previous release keeps serving until it is`,
  );
}
