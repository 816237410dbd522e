import { Router } from 'express';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import { parseReleaseRef, releaseConfig, releaseInfo, releasesOf, rollback } from './releases.js';

// Releases: the list, one release and its config, rollback. Mounted inside
// userRoutes (after requireUser).

export function releaseRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/apps/:app/releases', async (req, res) => {
    res.json(await releasesOf(deps, await visibleApp(deps, userOf(res), param(req, 'app'))));
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
