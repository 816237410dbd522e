import { Router, type Request, type Response } from 'express';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { dynoOf, dynosOf } from './dynos.js';
import { formationEntryOf, formationOf, parseBatch, parseUpdate, sizesView, updateFormation } from './formation.js';
import { parseRestartTarget, restartDynos } from './restarts.js';
import { bodyOf, param, userOf } from '../http.js';

// Formation (scale), dyno sizes, dynos (ps) and restarts. Mounted inside
// userRoutes, so every handler has an authenticated user; apps the user may
// not see are 404.

export function psRoutes(deps: Deps): Router {
  const r = Router();
  const app = (req: Request, res: Response) => visibleApp(deps, userOf(res), param(req, 'app'));

  r.get('/dyno-sizes', (_req, res) => {
    res.json(sizesView());
  });

  r.get('/apps/:app/formation', async (req, res) => {
    res.json(await formationOf(deps, await app(req, res)));
  });

  r.get('/apps/:app/formation/:type', async (req, res) => {
    res.json(await formationEntryOf(deps, await app(req, res), param(req, 'type')));
  });

  r.patch('/apps/:app/formation', async (req, res) => {
    const a = await app(req, res);
    res.json(await updateFormation(deps, a, parseBatch(bodyOf(req))));
  });

  r.patch('/apps/:app/formation/:type', async (req, res) => {
    const a = await app(req, res);
    const [entry] = await updateFormation(deps, a, [parseUpdate(bodyOf(req), param(req, 'type'))]);
    res.json(entry);
  });

  r.get('/apps/:app/dynos', async (req, res) => {
    res.json(await dynosOf(deps, await app(req, res)));
  });

  r.get('/apps/:app/dynos/:dyno', async (req, res) => {
    res.json(await dynoOf(deps, await app(req, res), param(req, 'dyno')));
  });

  r.delete('/apps/:app/dynos', async (req, res) => {
    res.status(202).json(await restartDynos(deps, await app(req, res), parseRestartTarget(undefined)));
  });

  r.delete('/apps/:app/dynos/:dyno', async (req, res) => {
    const a = await app(req, res);
    res.status(202).json(await restartDynos(deps, a, parseRestartTarget(param(req, 'dyno'))));
  });

  return r;
}
