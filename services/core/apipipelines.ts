// The wire shapes of pipelines (GET /pipelines, couplings, promotions), apart
// from api.ts (which re-exports them) to keep that file small. Types only.

import type { UserRef } from './api.js';
import type { PipelineStage } from './types.js';

/** GET /pipelines (the pipelines you own or see an app of), POST /pipelines, DELETE /pipelines/:pipeline. */
export interface PipelineView {
  id: string;
  name: string;
  owner: UserRef;
  created_at: string;
}

/** POST /pipelines: a name; with `app` and `stage`, the app is coupled in the same step. */
export interface PipelineCreateRequest {
  name: string;
  app?: string;
  stage?: PipelineStage;
}

/** An app of a pipeline, as GET /pipelines/:pipeline lists it. */
export interface PipelineAppView {
  name: string;
  stage: PipelineStage;
  /** Its latest release (AppInfo's); null before its first. */
  release: { version: number } | null;
}

/** GET /pipelines/:pipeline. */
export interface PipelineInfoView extends PipelineView {
  /** The stages that have apps, upstream first (review, development, staging, production), apps by name. */
  stages: { stage: PipelineStage; apps: PipelineAppView[] }[];
  /** Apps of the pipeline the caller cannot see: counted, not named. */
  hidden_apps: number;
}

/** POST /pipeline-couplings `{app, pipeline, stage}`; GET and DELETE /apps/:app/pipeline-couplings. */
export interface PipelineCouplingView {
  app: { name: string };
  pipeline: { id: string; name: string };
  stage: PipelineStage;
  created_at: string;
}

/** POST /pipeline-promotions: from the source app to the next stage downstream that has apps, or to `targets`. */
export interface PipelinePromotionRequest {
  source: string;
  targets?: string[];
}

/** POST /pipeline-promotions answers what it released. */
export interface PipelinePromotionView {
  pipeline: { id: string; name: string };
  /** The source's release promoted: its newest succeeded one. */
  source: { app: { name: string }; release: { version: number }; slug: { id: string } };
  /** One new release per target, each with its own config: "Promote from <source> v<N>". */
  targets: { app: { name: string }; stage: PipelineStage; release: { version: number } }[];
  created_at: string;
}
