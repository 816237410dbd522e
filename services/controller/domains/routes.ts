import { Router } from 'express';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import { addDomain, listDomains, removeDomain } from './domains.js';

// An app's custom domains. Mounted inside userRoutes (after requireUser).

export function domainRoutes(deps: Deps): Router {
  const r = Router();

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
