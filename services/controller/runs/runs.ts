import { invalid, notFound } from '../../core/errors.js';
import { RUN_TYPE, resolveRunCommand, runName, type RunParams, type RunRequest } from '../../core/runs.js';
import type { App, InstanceState, Release, ReleaseStatusRecord, Route, User } from '../../core/types.js';
import { hashToken, newToken } from '../auth.js';
import type { Deps } from '../deps.js';
import { parseRestartTarget, restartDynos } from '../ps/restarts.js';
import type { RunDynoView } from '../../core/api.js';
import { assignmentId } from '../../core/ids.js';

// `paas run`: a one-off dyno request (/runs/<app>/<name>) written in one
// transaction; the scheduler runs it, the rendezvous (rendezvous.ts) joins
// its input and output to the user's websocket. Stopping one deletes the
// request (the scheduler removes its container).

export function runView(r: RunRequest, attachUrl: string | null, state: InstanceState = 'starting'): RunDynoView {
  return {
    id: assignmentId(r.app, r.name, r.release),
    name: r.name,
    type: RUN_TYPE,
    command: r.command,
    attach_url: attachUrl,
    state,
    size: r.size,
    release: { version: r.release },
    app: { name: r.app },
    time_to_live: r.ttlS,
    created_at: r.createdAt,
    updated_at: r.createdAt,
  };
}

/**
 * The release a one-off runs: the latest, as on Heroku (a `paas run` right
 * after `config:set` sees the new value while the web dynos are still being
 * replaced), unless it failed (its release phase or rollout: then the one the
 * router serves); it must have an image.
 */
export async function runRelease(deps: Deps, app: App): Promise<Release> {
  const { store } = deps;
  const latest =
    app.latestRelease > 0 ? await store.get<Release>(store.keys.release(app.name, app.latestRelease)) : undefined;
  const status = latest
    ? await store.get<ReleaseStatusRecord>(store.keys.releaseStatus(app.name, latest.version))
    : undefined;
  if (latest?.image && status?.status !== 'failed') return latest;
  const route = await store.get<Route>(store.keys.route(app.name));
  const serving =
    route?.release && route.release > 0
      ? await store.get<Release>(store.keys.release(app.name, route.release))
      : undefined;
  const release = serving ?? latest;
  if (!release?.image) throw invalid(`${app.name} has no release to run yet: push code first (git push paas main)`);
  return release;
}

/**
 * Writes the request under a new random name (`run.1234`), only while the app
 * exists and the name is free; retried with another name. Returns it with
 * the one-time attach secret (only its hash is stored).
 */
export async function createRun(
  deps: Deps,
  app: App,
  user: User,
  params: RunParams,
  random: () => number = Math.random,
  apiTokenHash?: string,
): Promise<{ run: RunRequest; token?: string }> {
  const { store } = deps;
  const release = await runRelease(deps, app);
  const token = params.attach ? newToken() : undefined;
  const run = await store.transact(
    (tx) => {
      const run: RunRequest = {
        app: app.name,
        name: runName(random()),
        command: resolveRunCommand(params.command, release.processTypes),
        size: params.size,
        env: params.env,
        ttlS: params.ttlS,
        attach: params.attach,
        tty: params.tty,
        release: release.version,
        createdAt: new Date().toISOString(),
        createdBy: user.id,
        ...(token && { tokenHash: hashToken(token) }),
        ...(token && apiTokenHash && { apiTokenHash }),
      };
      const key = store.keys.run(app.name, run.name);
      tx.require({ key, absent: true });
      tx.require({ key: store.keys.app(app.name), exists: true });
      return tx.put(key, run);
    },
    { conflict: `Too many one-off dynos on ${app.name}; try again`, onConflict: () => store.getApp(app.name) },
  );
  return token ? { run, token } : { run };
}

/** The attach URL: the API's own address as the client used it, ws(s)://, with the one-time secret. */
export function attachUrl(apiBase: string, app: string, name: string, token: string): string {
  const ws = apiBase.replace(/^http/, 'ws').replace(/\/+$/, '');
  return `${ws}/apps/${encodeURIComponent(app)}/dynos/${encodeURIComponent(name)}/attach?token=${encodeURIComponent(token)}`;
}

/**
 * POST .../dynos/:dyno/actions/stop. A one-off (`run.1234`): its request is
 * deleted, so the scheduler removes its container. Another dyno (`web.1`) is
 * stopped and started again by the platform, as on Heroku: a restart.
 */
export async function stopDyno(deps: Deps, app: App, dyno: string): Promise<{ target: string; stopped: boolean }> {
  const { store } = deps;
  if (!dyno.startsWith(`${RUN_TYPE}.`)) {
    const r = await restartDynos(deps, app, parseRestartTarget(dyno));
    return { target: r.target, stopped: false };
  }
  const key = store.keys.run(app.name, dyno);
  if (!(await store.commit([{ key, exists: true }], [{ delete: key }])))
    throw notFound(`Couldn't find that dyno (${dyno.slice(0, 40)}).`);
  return { target: dyno, stopped: true };
}
