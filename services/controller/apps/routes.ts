import { Router } from 'express';
import { createAppFor, infoOf, listAppsFor, requestedName, visibleApp } from './apps.js';
import type { Deps } from '../deps.js';
import { bodyOf, logOf, param, userOf } from '../http.js';
import { recordEvent } from '../activity/activity.js';
import { destroyAppFor, parseAppPatch, patchApp } from './lifecycle.js';

// Apps: create, list, info; maintenance, pool, rename and destroy. Thin
// handlers, mounted inside userRoutes (after requireUser).

export function appRoutes(deps: Deps): Router {
  const r = Router();

  r.post('/apps', async (req, res) => {
    const name = requestedName(bodyOf(req).name);
    res.status(201).json(await createAppFor(deps, userOf(res), name));
  });

  r.get('/apps', async (_req, res) => {
    res.json(await listAppsFor(deps, userOf(res)));
  });

  r.get('/apps/:app', async (req, res) => {
    res.json(await infoOf(deps, await visibleApp(deps, userOf(res), param(req, 'app'))));
  });

  r.patch('/apps/:app', async (req, res) => {
    const { info, maintenance } = await patchApp(deps, userOf(res), param(req, 'app'), parseAppPatch(bodyOf(req)));
    if (info.name !== param(req, 'app')) await deps.logs.store.rename(param(req, 'app'), info.name); // the app's log moves with it
    if (maintenance !== undefined) {
      const description = `Maintenance mode turned ${maintenance ? 'on' : 'off'}`;
      await recordEvent(deps, logOf(res), info.name, { kind: 'maintenance', user: userOf(res), description });
    }
    res.json(info);
  });

  r.delete('/apps/:app', async (req, res) => {
    const info = await destroyAppFor(deps, userOf(res), param(req, 'app'));
    await deps.logs.store.drop(info.name); // and its log
    res.json(info);
  });

  return r;
}
