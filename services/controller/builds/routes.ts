import { Router, type Request, type Response } from 'express';
import { visibleApp } from '../apps/apps.js';
import {
  buildOutputOf,
  clearBuildCache,
  createBuild,
  getBuild,
  listBuilds,
  parseBuildUpdate,
  parseNewBuild,
  updateBuild,
} from './builds.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import { buildLogRecords } from '../logs/routes.js';

// Build records and the build cache. buildRoutes is mounted inside
// userRoutes (authenticated user; apps they may not see are 404),
// internalBuildRoutes inside internalRoutes (the builder).

export function buildRoutes(deps: Deps): Router {
  const r = Router();
  const app = (req: Request, res: Response) => visibleApp(deps, userOf(res), param(req, 'app'));

  r.get('/apps/:app/builds', async (req, res) => {
    res.json(await listBuilds(deps, await app(req, res)));
  });

  r.get('/apps/:app/builds/:id', async (req, res) => {
    res.json(await getBuild(deps, await app(req, res), param(req, 'id')));
  });

  r.get('/apps/:app/builds/:id/output', async (req, res) => {
    res.json(await buildOutputOf(deps, await app(req, res), param(req, 'id')));
  });

  r.delete('/apps/:app/build-cache', async (req, res) => {
    res.json(await clearBuildCache(deps, await app(req, res)));
  });

  return r;
}

export function internalBuildRoutes(deps: Deps): Router {
  const r = Router();

  r.post('/apps/:app/builds', async (req, res) => {
    res.status(201).json(await createBuild(deps, param(req, 'app'), parseNewBuild(bodyOf(req))));
  });

  r.patch('/apps/:app/builds/:id', async (req, res) => {
    const upd = parseBuildUpdate(bodyOf(req));
    res.json(await updateBuild(deps, param(req, 'app'), param(req, 'id'), upd));
    if (!upd.alreadyLogged) await deps.logs.store.append(param(req, 'app'), buildLogRecords(upd.append)); // paas[build] lines in the app's log
  });

  return r;
}
