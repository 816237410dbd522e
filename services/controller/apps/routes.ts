import { Router } from 'express';
import { visibleApp } from './apps.js';
import type { Deps } from '../deps.js';
import { addDomain, listDomains, removeDomain } from '../domains/domains.js';
import { bodyOf, param, userOf } from '../http.js';
import { destroyAppFor, parseAppPatch, patchApp } from './lifecycle.js';

// Domains, maintenance, rename and destroy: thin handlers, mounted inside
// userRoutes (after requireUser).

export function lifecycleRoutes(deps: Deps): Router {
  const r = Router();

  r.patch('/apps/:app', async (req, res) => {
    const info = await patchApp(deps, userOf(res), param(req, 'app'), parseAppPatch(bodyOf(req)));
    if (info.name !== param(req, 'app')) await deps.logs.store.rename(param(req, 'app'), info.name); // the app's log moves with it
    res.json(info);
  });

  r.delete('/apps/:app', async (req, res) => {
    const info = await destroyAppFor(deps, userOf(res), param(req, 'app'));
    await deps.logs.store.drop(info.name); // and its log
    res.json(info);
  });

  r.get('/apps/:app/domains', async (req, res) => {
    res.json(await listDomains(deps, await visibleApp(deps, userOf(res), param(req, 'app'))));
  });

  r.post('/apps/:app/domains', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.status(201).json(await addDomain(deps, app.name, bodyOf(req).hostname));
  });

  r.delete('/apps/:app/domains/:hostname', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.json(await removeDomain(deps, app.name, param(req, 'hostname')));
  });

  return r;
}
