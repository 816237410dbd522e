import { Router } from 'express';
import type { Deps } from '../deps.js';
import { bodyOf, param } from '../http.js';
import { authorize, createBuildRelease, internalApp, parseAuthorizeRequest, parseBuildRelease } from './internal.js';
import { appInventory } from './inventory.js';

// The builder's and the scheduler's API: mounted at /internal behind the
// internal token (routes.ts).

export function internalAppRoutes(deps: Deps): Router {
  const r = Router();

  r.post('/authorize', async (req, res) => {
    res.json(await authorize(deps, parseAuthorizeRequest(bodyOf(req))));
  });

  r.get('/apps', async (_req, res) => {
    res.json(await appInventory(deps.store));
  });

  r.get('/apps/:app', async (req, res) => {
    res.json(await internalApp(deps, param(req, 'app')));
  });

  r.post('/apps/:app/releases', async (req, res) => {
    const result = await createBuildRelease(deps, param(req, 'app'), parseBuildRelease(bodyOf(req)));
    res.status(201).json(result);
  });

  return r;
}
