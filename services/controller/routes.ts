import { Router } from 'express';
import { accessRoutes } from './access/routes.js';
import { buildpackRoutes } from './buildpacks/buildpacks.js';
import { buildRoutes, internalBuildRoutes } from './builds/routes.js';
import { createAppFor, formationOf, infoOf, listAppsFor, releasesOf, requestedName, visibleApp } from './apps/apps.js';
import { configRoutes } from './configvars/routes.js';
import type { Deps } from './deps.js';
import { bodyOf, param, requireAdmin, requireInternal, requireUser, userOf } from './http.js';
import { authorize, createBuildRelease, internalApp, parseAuthorizeRequest, parseBuildRelease } from './internal/internal.js';
import { addKey, listKeys } from './keys/keys.js';
import { lifecycleRoutes } from './apps/routes.js';
import { hostRoutes } from './hosts/hosts.js';
import { statusRoutes } from './status/status.js';
import { appInventory } from './internal/inventory.js';
import { accountView } from './present.js';
import { psRoutes } from './ps/routes.js';
import { logUserRoutes } from './logs/routes.js';
import { runRoutes } from './runs/routes.js';
import { createUser, normaliseEmail, parseAdminFlag } from './users/users.js';

// Thin handlers: read the request, call a domain function, answer. Errors
// thrown (or rejected) here reach the error middleware.

/** The users' API: Authorization: Bearer <user token>. */
export function userRoutes(deps: Deps): Router {
  const r = Router();
  r.use(requireUser(deps.repo));
  r.use(accessRoutes(deps));
  r.use(lifecycleRoutes(deps));
  r.use(configRoutes(deps));
  r.use(psRoutes(deps));
  r.use(buildpackRoutes(deps));
  r.use(buildRoutes(deps));
  r.use(hostRoutes(deps));
  r.use(statusRoutes(deps));
  r.use(logUserRoutes(deps));
  r.use(runRoutes(deps));

  r.get('/account', (_req, res) => {
    res.json(accountView(userOf(res)));
  });

  r.post('/users', requireAdmin(), async (req, res) => {
    const body = bodyOf(req);
    const created = await createUser(deps.repo, { email: normaliseEmail(body.email), admin: parseAdminFlag(body.admin) });
    res.status(201).json({ user: accountView(created.user), token: created.token });
  });

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

  r.get('/apps/:app/releases', async (req, res) => {
    res.json(await releasesOf(deps, await visibleApp(deps, userOf(res), param(req, 'app'))));
  });

  r.get('/apps/:app/formation', async (req, res) => {
    res.json(await formationOf(deps, await visibleApp(deps, userOf(res), param(req, 'app'))));
  });

  r.get('/account/keys', async (_req, res) => {
    res.json(await listKeys(deps.repo, userOf(res)));
  });

  r.post('/account/keys', async (req, res) => {
    res.status(201).json(await addKey(deps.repo, userOf(res), bodyOf(req).public_key));
  });

  return r;
}

/** The builder's and scheduler's API: Authorization: Bearer $PAAS_INTERNAL_TOKEN. */
export function internalRoutes(deps: Deps, internalToken: string): Router {
  const r = Router();
  r.use(requireInternal(internalToken));
  r.use(internalBuildRoutes(deps));

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
