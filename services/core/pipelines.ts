import { by } from './compare.js';
import { invalid } from './errors.js';
import { isAppName } from './names.js';
import type { PipelineStage } from './types.js';

// Pipelines (pure): Heroku's stages in order, where a promotion goes, and the
// names. The records are Pipeline and PipelineCoupling (types.ts); the
// controller's pipelines/ reads and writes them.

/** Upstream first: a promotion goes from one stage to the next that has apps. */
export const PIPELINE_STAGES: readonly PipelineStage[] = ['review', 'development', 'staging', 'production'];

/** The most apps one promotion releases to (one etcd transaction: two writes and two compares each). */
export const MAX_PROMOTION_TARGETS = 50;

export function isStage(s: unknown): s is PipelineStage {
  return typeof s === 'string' && (PIPELINE_STAGES as readonly string[]).includes(s);
}

/** A stage as given in a request; invalid_params naming the stages otherwise. */
export function parseStage(s: unknown): PipelineStage {
  if (!isStage(s))
    throw invalid(`Stage must be one of ${PIPELINE_STAGES.join(', ')}: ${JSON.stringify(s)?.slice(0, 40) ?? s}`);
  return s;
}

/** Where `stage` sits in the order (review 0 ... production 3). */
export function stageIndex(stage: PipelineStage): number {
  return PIPELINE_STAGES.indexOf(stage);
}

/**
 * The stage a promotion from `from` goes to: the first one downstream that has apps (a pipeline may skip stages,
 * staging -> production with no development); undefined when there is none (production, or nothing below).
 */
export function nextStage(from: PipelineStage, withApps: Iterable<PipelineStage>): PipelineStage | undefined {
  const present = new Set(withApps);
  return PIPELINE_STAGES.slice(stageIndex(from) + 1).find((s) => present.has(s));
}

/** Pipeline names follow app names' rule (2-30 of a-z, 0-9 and single inner dashes, a letter first). */
export function assertPipelineName(name: unknown): string {
  if (typeof name !== 'string' || !isAppName(name)) {
    throw invalid(
      `A pipeline name must start with a letter, end with a letter or digit, and use only lowercase letters, digits and single dashes (2 to 30 characters): ${JSON.stringify(name)?.slice(0, 60) ?? String(name)}`,
    );
  }
  return name;
}

/** Apps grouped by stage, stages in order, apps by name within each; stages without apps left out. Pure. */
export function byStage<T extends { stage: PipelineStage; name: string }>(
  apps: readonly T[],
): { stage: PipelineStage; apps: T[] }[] {
  return PIPELINE_STAGES.map((stage) => ({
    stage,
    apps: apps.filter((a) => a.stage === stage).sort(by((a) => a.name)),
  })).filter((s) => s.apps.length > 0);
}
