import { Router } from 'express';
import { visibleApp } from '../apps/apps.js';
import { configOf, parseConfigPatch, setConfigVars } from './configvars.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import { parseReleaseRef, releaseConfig, releaseInfo, rollback } from '../releases/releases.js';

// Config vars, one release, rollback. Mounted inside userRoutes (after
// requireUser); thin handlers over configvars.ts and releases.ts.

/** The header that names the release a config change made. */
export const RELEASE_VERSION_HEADER = 'Paas-Release-Version';

export function configRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/apps/:app/config-vars', async (req, res) => {
    res.json(await configOf(deps, await visibleApp(deps, userOf(res), param(req, 'app'))));
  });

  r.patch('/apps/:app/config-vars', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    const release = await setConfigVars(deps, app, userOf(res), parseConfigPatch(bodyOf(req)));
    res.set(RELEASE_VERSION_HEADER, String(release.version)).json(release.config);
  });

  r.get('/apps/:app/releases/:version', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.json(await releaseInfo(deps, app, parseReleaseRef(param(req, 'version'), app.name)));
  });

  r.get('/apps/:app/releases/:version/config-vars', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.json(await releaseConfig(deps, app, parseReleaseRef(param(req, 'version'), app.name)));
  });

  r.post('/apps/:app/releases', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    const release = await rollback(deps, app, userOf(res), parseReleaseRef(bodyOf(req).release, app.name));
    res.status(201).json(release);
  });

  return r;
}
