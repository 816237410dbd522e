import { Router } from 'express';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import { appBuildpacks, installationsView, parseInstallationsUpdate, setBuildpacks } from './buildpacks.js';

// GET and PUT /apps/:app/buildpack-installations; mounted inside userRoutes.

export function buildpackRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/apps/:app/buildpack-installations', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.json(installationsView(await appBuildpacks(deps, app.name)));
  });

  r.put('/apps/:app/buildpack-installations', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    const list = parseInstallationsUpdate(bodyOf(req));
    res.json(installationsView(await setBuildpacks(deps, app.name, list)));
  });

  return r;
}
