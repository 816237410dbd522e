import { Router } from 'express';
import type { Deps } from '../deps.js';
import { bodyOf, param, requireAdmin } from '../http.js';
import { changeHostTags, getHost, listHosts, parseHostTagsPatch, resetHostTags } from './hosts.js';

/** Admins only (others 403); mounted inside userRoutes. */
export function hostRoutes(deps: Deps): Router {
  const r = Router();
  r.use('/hosts', requireAdmin());

  r.get('/hosts', async (_req, res) => {
    res.json(await listHosts(deps.store));
  });

  r.get('/hosts/:host', async (req, res) => {
    res.json(await getHost(deps.store, param(req, 'host')));
  });

  r.patch('/hosts/:host/tags', async (req, res) => {
    const change = parseHostTagsPatch(bodyOf(req));
    res.json(await changeHostTags(deps.store, param(req, 'host'), change));
  });

  r.delete('/hosts/:host/tags', async (req, res) => {
    res.json(await resetHostTags(deps.store, param(req, 'host')));
  });

  return r;
}
