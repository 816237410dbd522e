import { randomUUID } from 'node:crypto';
import type { PipelineAppView, PipelineCouplingView, PipelineInfoView, PipelineView } from '../../core/api.js';
import { by } from '../../core/compare.js';
import { conflict, forbidden, invalid, notFound } from '../../core/errors.js';
import { assertAppName, isAppName } from '../../core/names.js';
import { assertPipelineName, byStage, parseStage } from '../../core/pipelines.js';
import type { Entry, Txn } from '../../core/store.js';
import type { App, Pipeline, PipelineCoupling, PipelineStage, User } from '../../core/types.js';
import { seenApp, userLookup, visibleApp, visibleApps } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { userRef } from '../users/users.js';

// Pipelines: create, list, info, couple an app at a stage, uncouple it,
// destroy (promotion: promote.ts). A pipeline is visible to its owner, to
// admins and to whoever sees one of its apps; to anyone else it does not
// exist (404). Coupling an app needs the right to change it (who sees it).
// Each change is one guarded transaction; coupling rewrites the pipeline and
// the app records unchanged, so a destroy or rename racing it retries.

/** The most apps a pipeline's destroy removes in its one transaction (etcd's 128 operations, with room). */
const MAX_DESTROYED_COUPLINGS = 120;

export function pipelineView(p: Pipeline, owner: User | undefined): PipelineView {
  return { id: p.id, name: p.name, owner: userRef(p.owner, owner), created_at: p.createdAt };
}

export function couplingView(c: PipelineCoupling): PipelineCouplingView {
  return {
    app: { name: c.app },
    pipeline: { id: c.pipelineId, name: c.pipeline },
    stage: c.stage,
    created_at: c.createdAt,
  };
}

/** GET /pipelines/:pipeline; pure: the members the caller sees by stage, the others counted. */
export function pipelineInfoView(
  p: Pipeline,
  owner: User | undefined,
  members: readonly { coupling: PipelineCoupling; app: App | undefined }[],
): PipelineInfoView {
  const seen: PipelineAppView[] = members.flatMap(({ coupling, app }) =>
    app
      ? [
          {
            name: app.name,
            stage: coupling.stage,
            release: app.latestRelease > 0 ? { version: app.latestRelease } : null,
          },
        ]
      : [],
  );
  return { ...pipelineView(p, owner), stages: byStage(seen), hidden_apps: members.length - seen.length };
}

/** Whether a coupling counts: the pipeline it names exists with its id. */
export function isCurrent(c: PipelineCoupling, pipelines: ReadonlyMap<string, Pipeline>): boolean {
  return pipelines.get(c.pipeline)?.id === c.pipelineId;
}

/** The couplings of pipeline `p` (one range read of every coupling). */
export async function couplingsOf(deps: Deps, p: Pipeline): Promise<Entry<PipelineCoupling>[]> {
  const { entries } = await deps.store.range<PipelineCoupling>(deps.store.keys.pipelineCouplings());
  return entries.filter((e) => e.value.pipeline === p.name && e.value.pipelineId === p.id);
}

/** The app's coupling if it counts (its pipeline exists with that id), with that pipeline. */
export async function couplingOf(
  deps: Deps,
  app: string,
): Promise<{ coupling: PipelineCoupling; pipeline: Pipeline } | undefined> {
  const { store } = deps;
  const coupling = await store.get<PipelineCoupling>(store.keys.pipelineCoupling(app));
  const pipeline = coupling && (await store.get<Pipeline>(store.keys.pipeline(coupling.pipeline)));
  return coupling && pipeline?.id === coupling.pipelineId ? { coupling, pipeline } : undefined;
}

/** A pipeline's members, each with its app when `user` sees it. */
export interface Member {
  coupling: PipelineCoupling;
  app: App | undefined;
}

/** The pipeline with its members if `user` may see it: 404 as for a missing one otherwise. */
export async function visiblePipeline(
  deps: Deps,
  user: User,
  name: string,
): Promise<{ pipeline: Pipeline; members: Member[] }> {
  const missing = notFound(`Couldn't find that pipeline.`);
  if (!isAppName(name)) throw missing; // pipeline names are shaped as app names
  const pipeline = await deps.store.get<Pipeline>(deps.store.keys.pipeline(name));
  if (!pipeline) throw missing;
  const members = await Promise.all(
    (await couplingsOf(deps, pipeline)).map(async ({ value: coupling }) => ({
      coupling,
      app: await seenApp(deps, user, coupling.app),
    })),
  );
  if (!user.admin && pipeline.owner !== user.id && !members.some((m) => m.app)) throw missing;
  return { pipeline, members };
}

/** GET /pipelines: the pipelines `user` owns or sees an app of (every one for an admin), by name. */
export async function listPipelinesFor(deps: Deps, user: User): Promise<PipelineView[]> {
  const { store } = deps;
  const [pipelines, couplings, apps] = await Promise.all([
    store.list<Pipeline>(store.keys.pipelines()),
    store.list<PipelineCoupling>(store.keys.pipelineCouplings()),
    user.admin ? [] : visibleApps(deps, user),
  ]);
  const byName = new Map(pipelines.map((p) => [p.name, p]));
  const seen = new Set(apps.map((a) => a.name));
  const withApps = new Set(couplings.filter((c) => seen.has(c.app) && isCurrent(c, byName)).map((c) => c.pipeline));
  const lookup = userLookup(deps);
  const mine = pipelines.filter((p) => user.admin || p.owner === user.id || withApps.has(p.name));
  return Promise.all(mine.sort(by((p) => p.name)).map(async (p) => pipelineView(p, await lookup(p.owner))));
}

export async function pipelineInfo(deps: Deps, user: User, name: string): Promise<PipelineInfoView> {
  const { pipeline, members } = await visiblePipeline(deps, user, name);
  return pipelineInfoView(pipeline, await deps.repo.getUser(pipeline.owner), members);
}

/** A coupling asked for: the app and its stage; pure. */
export interface CouplingRequest {
  app: string;
  stage: PipelineStage;
}

/** POST /pipelines `{name, app?, stage?}`; pure. */
export function parsePipelineCreate(body: Record<string, unknown>): { name: string; couple?: CouplingRequest } {
  const name = assertPipelineName(body.name);
  if (body.app === undefined && body.stage === undefined) return { name };
  if (body.app === undefined || body.stage === undefined)
    throw invalid('Give both "app" and "stage" to add an app to the new pipeline, or neither');
  return { name, couple: { app: assertAppName(body.app), stage: parseStage(body.stage) } };
}

/** POST /pipeline-couplings `{app, pipeline, stage}`; pure. */
export function parseCouplingCreate(body: Record<string, unknown>): CouplingRequest & { pipeline: string } {
  if (typeof body.pipeline !== 'string' || body.pipeline === '') throw invalid('Give the "pipeline" to add the app to');
  if (body.app === undefined) throw invalid('Give the "app" to add');
  return { pipeline: assertPipelineName(body.pipeline), app: assertAppName(body.app), stage: parseStage(body.stage) };
}

/**
 * Couples `app` to `pipeline` at `stage` inside a transaction: the pipeline record and the app record are read and
 * rewritten unchanged (so a pipeline destroy, an app rename or destroy racing it retries), and the app must not be in
 * a pipeline already.
 */
async function coupleIn(
  tx: Txn,
  deps: Deps,
  pipeline: Pipeline,
  app: App,
  stage: PipelineStage,
): Promise<PipelineCoupling> {
  const k = deps.store.keys;
  const cur = await tx.readApp(app.name);
  if (cur.id !== app.id) throw notFound(`Couldn't find that app.`);
  tx.put(k.app(app.name), cur);
  const existing = await tx.read<PipelineCoupling>(k.pipelineCoupling(app.name));
  if (existing) {
    const other = await tx.read<Pipeline>(k.pipeline(existing.pipeline));
    if (other?.id === existing.pipelineId)
      throw conflict(
        `${app.name} is already in the pipeline ${existing.pipeline} (${existing.stage}); remove it first: paas pipelines:remove -a ${app.name}`,
      );
  }
  return tx.put<PipelineCoupling>(k.pipelineCoupling(app.name), {
    app: app.name,
    pipeline: pipeline.name,
    pipelineId: pipeline.id,
    stage,
    createdAt: new Date().toISOString(),
  });
}

/** POST /pipelines: a new pipeline of `user`'s, with its first app when asked, in one transaction. */
export async function createPipeline(
  deps: Deps,
  user: User,
  req: { name: string; couple?: CouplingRequest },
): Promise<PipelineView> {
  const app = req.couple && (await visibleApp(deps, user, req.couple.app));
  const key = deps.store.keys.pipeline(req.name);
  const pipeline = await deps.store.transact(
    async (tx) => {
      if (await tx.read(key)) throw conflict(`A pipeline named ${req.name} exists already`);
      const p = tx.put<Pipeline>(key, {
        id: randomUUID(),
        name: req.name,
        owner: user.id,
        createdAt: new Date().toISOString(),
      });
      if (app && req.couple) await coupleIn(tx, deps, p, app, req.couple.stage);
      return p;
    },
    { conflict: `Too many concurrent changes to the pipeline ${req.name}; try again` },
  );
  return pipelineView(pipeline, user);
}

/** POST /pipeline-couplings: the user must see the pipeline and be able to change the app. */
export async function addToPipeline(
  deps: Deps,
  user: User,
  req: CouplingRequest & { pipeline: string },
): Promise<PipelineCouplingView> {
  const { pipeline } = await visiblePipeline(deps, user, req.pipeline);
  const app = await visibleApp(deps, user, req.app);
  const key = deps.store.keys.pipeline(pipeline.name);
  const coupling = await deps.store.transact(
    async (tx) => {
      const cur = await tx.read<Pipeline>(key);
      if (cur?.id !== pipeline.id) throw notFound(`Couldn't find that pipeline.`);
      tx.put(key, cur);
      return coupleIn(tx, deps, cur, app, req.stage);
    },
    { conflict: `Too many concurrent changes to ${app.name}; try again` },
  );
  return couplingView(coupling);
}

/** GET /apps/:app/pipeline-couplings: the app's place in a pipeline; 404 when it is in none. */
export async function appCoupling(deps: Deps, user: User, name: string): Promise<PipelineCouplingView> {
  const app = await visibleApp(deps, user, name);
  const found = await couplingOf(deps, app.name);
  if (!found) throw notFound(`${app.name} is not in a pipeline.`);
  return couplingView(found.coupling);
}

/** DELETE /apps/:app/pipeline-couplings: the app leaves its pipeline (who may change the app). */
export async function removeFromPipeline(deps: Deps, user: User, name: string): Promise<PipelineCouplingView> {
  const app = await visibleApp(deps, user, name);
  const k = deps.store.keys;
  const removed = await deps.store.transact(
    async (tx) => {
      const c = await tx.read<PipelineCoupling>(k.pipelineCoupling(app.name));
      const p = c && (await tx.read<Pipeline>(k.pipeline(c.pipeline)));
      if (!c || p?.id !== c.pipelineId) throw notFound(`${app.name} is not in a pipeline.`);
      tx.delete(k.pipelineCoupling(app.name));
      return c;
    },
    { conflict: `Too many concurrent changes to ${app.name}; try again` },
  );
  return couplingView(removed);
}

/** DELETE /pipelines/:pipeline (owner or admin): the pipeline and its couplings; the apps stay as they are. */
export async function destroyPipeline(deps: Deps, user: User, name: string): Promise<PipelineView> {
  const { pipeline } = await visiblePipeline(deps, user, name);
  if (!user.admin && pipeline.owner !== user.id)
    throw forbidden(`Only the owner of the pipeline ${pipeline.name} can destroy it.`);
  const k = deps.store.keys;
  await deps.store.transact(
    async (tx) => {
      const cur = await tx.read<Pipeline>(k.pipeline(pipeline.name));
      if (cur?.id !== pipeline.id) throw notFound(`Couldn't find that pipeline.`);
      // couplings added after this read rewrote the pipeline record: the commit fails and this runs again
      const couplings = await couplingsOf(deps, pipeline);
      if (couplings.length > MAX_DESTROYED_COUPLINGS)
        throw invalid(
          `${pipeline.name} has ${couplings.length} apps; remove some first (at most ${MAX_DESTROYED_COUPLINGS} go with it)`,
        );
      tx.delete(k.pipeline(pipeline.name));
      for (const c of couplings) {
        tx.require({ key: c.key, modRevision: c.modRevision });
        tx.delete(c.key);
      }
    },
    { conflict: `Too many concurrent changes to the pipeline ${pipeline.name}; try again` },
  );
  return pipelineView(pipeline, await deps.repo.getUser(pipeline.owner));
}
