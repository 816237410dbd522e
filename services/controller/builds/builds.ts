import { conflict, invalid, notFound } from '../../core/errors.js';
import {
  BUILD_PHASES,
  BUILD_STATUSES,
  buildsToDrop,
  capOutput,
  type ActiveBuild,
  type BuildCacheRecord,
  type BuildOutput,
  type BuildPhases,
  type BuildRecord,
  type BuildStatus,
} from '../../core/builds.js';
import type { App } from '../../core/types.js';
import type { Deps } from '../deps.js';
import type { BuildView } from '../../core/api.js';
import { compareStrings } from '../../core/compare.js';
import { slugId } from '../../core/ids.js';

// Build records (reported by the builder over /internal) and the build-cache
// clear requests. Each write is one etcd transaction guarded by a compare.

const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_LINES = 20_000;

export interface NewBuild {
  id: string;
  commit: string;
  user: { id: string; email: string };
}

export interface BuildUpdate {
  status?: BuildStatus;
  phases?: BuildPhases;
  release?: number;
  failure?: string;
  /** Output lines to add; the record keeps the last BUILD_OUTPUT_MAX_BYTES. */
  append?: string[];
  /**
   * true: those lines are in the app's log already (the release command's, relayed by the builder), so they are not
   * logged as paas[build].
   */
  alreadyLogged?: boolean;
}

/** POST /internal/apps/:app/builds: {id, commit, user: {id, email}}. Pure. */
export function parseNewBuild(body: Record<string, unknown>): NewBuild {
  const { id, commit, user } = body;
  if (typeof id !== 'string' || !BUILD_ID.test(id)) throw invalid('id must be a build id');
  if (typeof commit !== 'string' || !COMMIT.test(commit)) throw invalid('commit must be a full commit sha');
  const u = user as { id?: unknown; email?: unknown } | undefined;
  if (
    typeof u !== 'object' ||
    u === null ||
    typeof u.id !== 'string' ||
    !USER_ID.test(u.id) ||
    typeof u.email !== 'string' ||
    u.email.length > 254
  ) {
    throw invalid('user must be {id, email}');
  }
  return { id, commit, user: { id: u.id, email: u.email } };
}

/**
 * PATCH /internal/apps/:app/builds/:id: {status?, phases?, release?, failure?, append?: [line], alreadyLogged?}. Pure.
 */
export function parseBuildUpdate(body: Record<string, unknown>): BuildUpdate {
  const { status, phases, release, failure, append, alreadyLogged } = body;
  const out: BuildUpdate = {};
  if (status !== undefined) {
    if (typeof status !== 'string' || !(BUILD_STATUSES as readonly string[]).includes(status))
      throw invalid(`status must be one of ${BUILD_STATUSES.join(', ')}`);
    out.status = status as BuildStatus;
  }
  if (phases !== undefined) {
    if (typeof phases !== 'object' || phases === null || Array.isArray(phases))
      throw invalid('phases must be an object of phase -> ms');
    const p: BuildPhases = {};
    for (const [name, ms] of Object.entries(phases)) {
      if (!(BUILD_PHASES as readonly string[]).includes(name))
        throw invalid(`unknown phase ${JSON.stringify(name.slice(0, 40))}`);
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
        throw invalid(`phase ${name} must be a number of ms`);
      p[name as keyof BuildPhases] = Math.round(ms);
    }
    out.phases = p;
  }
  if (release !== undefined) {
    if (typeof release !== 'number' || !Number.isInteger(release) || release < 1)
      throw invalid('release must be a release version');
    out.release = release;
  }
  if (failure !== undefined) {
    if (typeof failure !== 'string' || failure.length > 2000)
      throw invalid('failure must be a string of up to 2000 characters');
    out.failure = failure;
  }
  if (append !== undefined) {
    if (!Array.isArray(append) || append.length > MAX_LINES || !append.every((l) => typeof l === 'string'))
      throw invalid(`append must be an array of at most ${MAX_LINES} output lines`);
    out.append = append as string[];
  }
  if (alreadyLogged !== undefined) {
    if (typeof alreadyLogged !== 'boolean') throw invalid('alreadyLogged must be true or false');
    out.alreadyLogged = alreadyLogged;
  }
  return out;
}

/** Records a new build (pending), deleting the app's oldest records beyond BUILDS_KEPT in the same transaction. */
export async function createBuild(deps: Deps, appName: string, req: NewBuild): Promise<BuildRecord> {
  const { store } = deps;
  const { keys } = store;
  if (!(await store.get<App>(keys.app(appName)))) throw notFound(`Couldn't find that app.`);
  const { entries } = await store.range(keys.builds(appName));
  const ids = entries.map((e) => e.key.slice(keys.builds(appName).length));
  const now = new Date().toISOString();
  const rec: BuildRecord = {
    id: req.id,
    app: appName,
    status: 'pending',
    commit: req.commit,
    user: req.user,
    createdAt: now,
    updatedAt: now,
    release: null,
    phases: {},
    failure: null,
  };
  const drops = buildsToDrop(ids).flatMap((id) => [
    { delete: keys.build(appName, id) },
    { delete: keys.buildOutput(appName, id) },
  ]);
  const created = await store.commit(
    [
      { key: keys.app(appName), exists: true },
      { key: keys.build(appName, req.id), absent: true },
    ],
    [
      { put: keys.build(appName, req.id), value: rec },
      { put: keys.buildOutput(appName, req.id), value: { lines: [], truncatedBytes: 0 } },
      { put: keys.activeBuild(appName), value: { id: req.id, at: now } satisfies ActiveBuild },
      ...drops,
    ],
  );
  if (!created) throw conflict(`The build ${req.id} exists already, or ${appName} was destroyed meanwhile`);
  return rec;
}

/** What a build left `building` by a builder that died says once another build of its app starts. */
export const INTERRUPTED_BUILD =
  'Build interrupted: its builder stopped before the build ended (push again; the running release is unchanged)';

/**
 * Applies an update to a build record (and its output); compare-and-swap, retried on a lost race. A build that
 * starts building ends any other build of the app still `building`: one app's builds never run at once (a builder's
 * queue, and across builders their build lock), so such a one was left by a builder that died mid-build.
 */
export async function updateBuild(deps: Deps, appName: string, id: string, upd: BuildUpdate): Promise<BuildRecord> {
  const { store } = deps;
  const { keys } = store;
  const others =
    upd.status === 'building'
      ? (await store.list<BuildRecord>(keys.builds(appName))).filter((b) => b.id !== id && b.status === 'building')
      : [];
  return store.transact(
    async (tx) => {
      const cur = await tx.read<BuildRecord>(keys.build(appName, id));
      if (!cur) throw notFound(`Couldn't find the build ${id}.`);
      if (cur.status !== 'building')
        for (const o of others) {
          const stale = await tx.read<BuildRecord>(keys.build(appName, o.id));
          if (stale?.status === 'building')
            tx.put<BuildRecord>(keys.build(appName, o.id), {
              ...stale,
              status: 'failed',
              failure: INTERRUPTED_BUILD,
              updatedAt: new Date().toISOString(),
            });
        }
      const next = tx.put<BuildRecord>(keys.build(appName, id), {
        ...cur,
        ...(upd.status && { status: upd.status }),
        ...(upd.release !== undefined && { release: upd.release }),
        ...(upd.failure !== undefined && { failure: upd.failure }),
        phases: { ...cur.phases, ...upd.phases },
        updatedAt: new Date().toISOString(),
      });
      if (upd.status === 'succeeded' || upd.status === 'failed') {
        const active = await tx.read<ActiveBuild>(keys.activeBuild(appName));
        if (active?.id === id) tx.delete(keys.activeBuild(appName));
      }
      if (upd.append && upd.append.length > 0) {
        // the record's Mod guards the output too: every append rewrites the record
        const prev = (await store.get<BuildOutput>(keys.buildOutput(appName, id))) ?? { lines: [], truncatedBytes: 0 };
        tx.put(
          keys.buildOutput(appName, id),
          capOutput([...prev.lines, ...upd.append], undefined, prev.truncatedBytes),
        );
      }
      return next;
    },
    { conflict: `Too many concurrent changes to the build ${id}; try again` },
  );
}

export function buildView(b: BuildRecord): BuildView {
  return {
    id: b.id,
    app: { name: b.app },
    status: b.status,
    source_blob: { version: b.commit },
    user: b.user,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    release: b.release === null ? null : { version: b.release },
    phases: b.phases,
    failure: b.failure,
    slug: b.release === null ? null : { id: slugId(b.app, b.release) },
  };
}

/** Newest first. */
export async function listBuilds(deps: Deps, app: App): Promise<BuildView[]> {
  const recs = await deps.store.list<BuildRecord>(deps.store.keys.builds(app.name));
  return recs.sort((a, b) => compareStrings(b.id, a.id)).map(buildView);
}

async function buildOf(deps: Deps, app: App, id: string): Promise<BuildRecord> {
  const rec = BUILD_ID.test(id) ? await deps.store.get<BuildRecord>(deps.store.keys.build(app.name, id)) : undefined;
  if (!rec) throw notFound(`Couldn't find the build ${id}.`);
  return rec;
}

export async function getBuild(deps: Deps, app: App, id: string): Promise<BuildView> {
  return buildView(await buildOf(deps, app, id));
}

export async function buildOutputOf(
  deps: Deps,
  app: App,
  id: string,
): Promise<{ id: string; status: BuildStatus; lines: string[]; truncated_bytes: number }> {
  const rec = await buildOf(deps, app, id);
  const out = (await deps.store.get<BuildOutput>(deps.store.keys.buildOutput(app.name, id))) ?? {
    lines: [],
    truncatedBytes: 0,
  };
  return { id, status: rec.status, lines: out.lines, truncated_bytes: out.truncatedBytes };
}

/** Bumps the app's build-cache generation: the builder empties the cache before the next build. */
export async function clearBuildCache(
  deps: Deps,
  app: App,
): Promise<{ app: { name: string }; generation: number; cleared_at: string }> {
  const { store } = deps;
  const key = store.keys.buildCache(app.name);
  const next = await store.transact(
    async (tx) => {
      const cur = await tx.read<BuildCacheRecord>(key);
      tx.require({ key: store.keys.app(app.name), exists: true });
      return tx.put<BuildCacheRecord>(key, {
        generation: (cur?.generation ?? 0) + 1,
        clearedAt: new Date().toISOString(),
      });
    },
    { conflict: 'Too many concurrent cache clears; try again', onConflict: () => store.getApp(app.name) },
  );
  return { app: { name: app.name }, generation: next.generation, cleared_at: next.clearedAt };
}

/** The generation the builder compares with the one it last saw (0: never cleared). */
export async function buildCacheGeneration(deps: Deps, appName: string): Promise<number> {
  return (await deps.store.get<BuildCacheRecord>(deps.store.keys.buildCache(appName)))?.generation ?? 0;
}
