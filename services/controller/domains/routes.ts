import { Router } from 'express';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { bodyOf, logOf, param, userOf } from '../http.js';
import { recordEvent } from '../activity/activity.js';
import { addDomain, listDomains, removeDomain } from './domains.js';

// An app's custom domains. Mounted inside userRoutes (after requireUser).

export function domainRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/apps/:app/domains', async (req, res) => {
    res.json(await listDomains(deps, await visibleApp(deps, userOf(res), param(req, 'app'))));
  });

  r.post('/apps/:app/domains', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    const added = await addDomain(deps, app.name, bodyOf(req).hostname);
    const description = `Added domain ${added.hostname}`;
    await recordEvent(deps, logOf(res), app.name, { kind: 'domain', user: userOf(res), description });
    res.status(201).json(added);
  });

  r.delete('/apps/:app/domains/:hostname', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    const removed = await removeDomain(deps, app.name, param(req, 'hostname'));
    const description = `Removed domain ${removed.hostname}`;
    await recordEvent(deps, logOf(res), app.name, { kind: 'domain', user: userOf(res), description });
    res.json(removed);
  });

  return r;
}
