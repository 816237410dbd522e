import { Router, type Request, type Response } from 'express';
import { parseRunParams } from '../../core/runs.js';
import { DEFAULT_SIZE } from '../../core/sizes.js';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { bodyOf, grantOf, param, userOf } from '../http.js';
import { attachUrl, createRun, runView, stopDyno } from './runs.js';

// POST /apps/:app/dynos (`paas run`) and POST .../dynos/:dyno/actions/stop
// (`paas ps:stop`). Mounted inside userRoutes: who may see the app may run
// in it (owner, collaborators, admins), as for config.

export function runRoutes(deps: Deps): Router {
  const r = Router();
  const app = (req: Request, res: Response) => visibleApp(deps, userOf(res), param(req, 'app'));

  r.post('/apps/:app/dynos', async (req, res) => {
    const params = parseRunParams(bodyOf(req), DEFAULT_SIZE);
    const a = await app(req, res);
    const { run, token } = await createRun(deps, a, userOf(res), params, Math.random, grantOf(res, a.name).tokenHash);
    const base = `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
    res.status(201).json(runView(run, token ? attachUrl(base, a.name, run.name, token) : null));
  });

  r.post('/apps/:app/dynos/:dyno/actions/stop', async (req, res) => {
    const a = await app(req, res);
    res.status(202).json(await stopDyno(deps, a, param(req, 'dyno')));
  });

  return r;
}
