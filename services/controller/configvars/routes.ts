import { Router } from 'express';
import { visibleApp } from '../apps/apps.js';
import { configOf, parseConfigPatch, setConfigVars } from './configvars.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';

// Config vars. Mounted inside userRoutes (after requireUser).

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

  return r;
}
