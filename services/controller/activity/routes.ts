import { Router } from 'express';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { param, userOf } from '../http.js';
import { activityOf, parseActivityLimit } from './activity.js';

// An app's activity feed, for whoever sees the app. Mounted inside userRoutes.

export function activityRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/apps/:app/activity', async (req, res) => {
    const limit = parseActivityLimit(req.query.limit);
    res.json(await activityOf(deps, await visibleApp(deps, userOf(res), param(req, 'app')), limit));
  });

  return r;
}
