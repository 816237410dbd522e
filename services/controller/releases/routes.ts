import { Router } from 'express';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import { parseReleaseRef, releaseConfig, releaseInfo, releasesOf, rollback } from './releases.js';
import { deploySlug, parseReleaseRequest } from './slugs.js';

// Releases: the list, one release and its config, rollback and the deploy of
// a slug. Mounted inside userRoutes (after requireUser).

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
    const wanted = parseReleaseRequest(bodyOf(req), app.name);
    const release =
      'rollback' in wanted
        ? await rollback(deps, app, userOf(res), wanted.rollback)
        : await deploySlug(deps, app, userOf(res), wanted.slug);
    res.status(201).json(release);
  });

  return r;
}
