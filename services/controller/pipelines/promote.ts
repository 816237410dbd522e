import type { PipelinePromotionView } from '../../core/api.js';
import { conflict, forbidden, invalid } from '../../core/errors.js';
import { slugId } from '../../core/ids.js';
import { assertAppName } from '../../core/names.js';
import { MAX_PROMOTION_TARGETS, nextStage } from '../../core/pipelines.js';
import type { App, PipelineCoupling, PipelineStage, Release, User } from '../../core/types.js';
import { seenApp, visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { releaseStatusesOf } from '../releases/status.js';
import { releaseSlug } from '../releases/slugs.js';
import { couplingOf, couplingsOf } from './pipelines.js';

// A promotion (Heroku's pipelines:promote): the source app's running build
// (its newest succeeded release) released to each app of the next stage
// downstream that has apps, or to the apps named, as "Promote from <source>
// vN": the image, process types and health check of the source, each
// target's own config, no rebuild. All targets or none, in one transaction
// (releases/slugs.ts releaseSlug); a target the caller may not change
// refuses the whole promotion.

export interface PromotionRequest {
  source: string;
  /** Apps of the pipeline named instead of the next stage's (`--to`). */
  targets?: string[];
}

/** POST /pipeline-promotions `{source, targets?}`; pure. */
export function parsePromotion(body: Record<string, unknown>): PromotionRequest {
  const source = assertAppName(body.source);
  if (body.targets === undefined || body.targets === null) return { source };
  if (!Array.isArray(body.targets) || body.targets.length === 0 || body.targets.length > MAX_PROMOTION_TARGETS)
    throw invalid(`targets must be a list of 1 to ${MAX_PROMOTION_TARGETS} app names`);
  const targets = [...new Set(body.targets.map((t) => assertAppName(t)))];
  if (targets.includes(source)) throw invalid(`Cannot promote ${source} to itself`);
  return { source, targets };
}

/** A member of the pipeline as the choice of targets sees it. */
export interface Candidate {
  name: string;
  stage: PipelineStage;
  /** Whether the caller may change it. */
  visible: boolean;
}

/**
 * The apps a promotion from `source` (at `stage`) releases to: those named (each must be in the pipeline), else every
 * app of the next stage downstream that has apps, all of which the caller must be able to change; pure.
 */
export function promotionTargets(
  o: { source: string; stage: PipelineStage; pipeline: string },
  members: readonly Candidate[],
  wanted?: readonly string[],
): Candidate[] {
  const others = members.filter((m) => m.name !== o.source);
  if (wanted) {
    return wanted.map((name) => {
      const m = others.find((x) => x.name === name);
      if (!m) throw invalid(`${name} is not in the pipeline ${o.pipeline}`);
      return m;
    });
  }
  const stage = nextStage(
    o.stage,
    others.map((m) => m.stage),
  );
  if (!stage)
    throw invalid(`No app downstream of ${o.source} (${o.stage}) in the pipeline ${o.pipeline} to promote to`);
  const targets = others.filter((m) => m.stage === stage);
  const hidden = targets.filter((m) => !m.visible).length;
  if (hidden > 0)
    throw forbidden(
      `You cannot change every app of the ${stage} stage of the pipeline ${o.pipeline}: ${hidden} of ${targets.length} ${hidden === 1 ? 'is' : 'are'} not yours; ask for access or promote with --to`,
    );
  if (targets.length > MAX_PROMOTION_TARGETS)
    throw invalid(
      `The ${stage} stage has ${targets.length} apps; promote to at most ${MAX_PROMOTION_TARGETS} at once with --to`,
    );
  return targets;
}

/** The source's running build: its newest succeeded release with an image (releaseSlug checks it is still kept). */
async function promotedRelease(deps: Deps, app: App): Promise<Release> {
  const [releases, statusOf] = await Promise.all([deps.store.listReleases(app.name), releaseStatusesOf(deps, app)]);
  const built = releases.filter((r) => r.image).sort((a, b) => b.version - a.version);
  const latest = built[0];
  if (!latest) throw invalid(`${app.name} has no release to promote; deploy it first (git push)`);
  const release = built.find((r) => statusOf(r).status === 'succeeded');
  if (!release)
    throw invalid(
      `${app.name} has no succeeded release to promote yet (v${latest.version} is ${statusOf(latest).status})`,
    );
  return release;
}

/** POST /pipeline-promotions. */
export async function promote(deps: Deps, user: User, req: PromotionRequest): Promise<PipelinePromotionView> {
  const source = await visibleApp(deps, user, req.source);
  const found = await couplingOf(deps, source.name);
  if (!found) throw invalid(`${source.name} is not in a pipeline; add it with paas pipelines:add`);
  const { coupling, pipeline } = found;
  // the apps named must be ones the caller sees (404 as for missing ones) before anything else is said of them
  for (const name of req.targets ?? []) await visibleApp(deps, user, name);
  const members = await Promise.all(
    (await couplingsOf(deps, pipeline)).map(async ({ value: c }) => ({
      name: c.app,
      stage: c.stage,
      visible: (await seenApp(deps, user, c.app)) !== undefined,
    })),
  );
  const targets = promotionTargets(
    { source: source.name, stage: coupling.stage, pipeline: pipeline.name },
    members,
    req.targets,
  );
  const release = await promotedRelease(deps, source);
  const slug = { app: source, release, id: slugId(source.name, release.version) };
  const k = deps.store.keys;
  const made = await releaseSlug(deps, {
    slug,
    targets: targets.map((t) => t.name),
    description: `Promote from ${source.name} v${release.version}`,
    user,
    // each target must still be in this pipeline at the commit
    check: async (tx, target) => {
      const c = await tx.read<PipelineCoupling>(k.pipelineCoupling(target));
      if (c?.pipelineId !== pipeline.id)
        throw conflict(`${target} left the pipeline ${pipeline.name} meanwhile; nothing was promoted`);
    },
  });
  deps.metrics?.released('promote', made.length);
  return {
    pipeline: { id: pipeline.id, name: pipeline.name },
    source: { app: { name: source.name }, release: { version: release.version }, slug: { id: slug.id } },
    targets: made.map((r, i) => ({
      app: { name: r.app },
      stage: (targets[i] as Candidate).stage,
      release: { version: r.version },
    })),
    created_at: new Date().toISOString(),
  };
}
