import { Router } from 'express';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import { attachAddon, createAddon, destroyAddon, detachAddon, forceOf } from './addons.js';
import { addonInfo, allAddons, appAddons } from './views.js';

// Add-ons (issue 20). Mounted inside userRoutes (after requireUser).

export function addonRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/apps/:app/addons', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.json(await appAddons(deps, app.name));
  });

  r.post('/apps/:app/addons', async (req, res) => {
    res.status(201).json(await createAddon(deps, userOf(res), param(req, 'app'), bodyOf(req)));
  });

  r.delete('/apps/:app/addons/:addon', async (req, res) => {
    res.json(await detachAddon(deps, userOf(res), param(req, 'app'), param(req, 'addon')));
  });

  r.get('/addons', async (_req, res) => {
    res.json(await allAddons(deps, userOf(res)));
  });

  r.get('/addons/:addon', async (req, res) => {
    res.json(await addonInfo(deps, userOf(res), param(req, 'addon')));
  });

  r.post('/addons/:addon/attachments', async (req, res) => {
    res.status(201).json(await attachAddon(deps, userOf(res), param(req, 'addon'), bodyOf(req)));
  });

  r.delete('/addons/:addon', async (req, res) => {
    const confirm = req.query.confirm;
    res.json(await destroyAddon(deps, userOf(res), param(req, 'addon'), { confirm, force: forceOf(req.query.force) }));
  });

  return r;
}
